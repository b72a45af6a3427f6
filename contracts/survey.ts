/**
 * Field surveys (现场调查) entered through `POST /api/surveys` (issue 3): the counts an inspector brings back from a
 * room check, a proofing check, a path walk, a dip survey, a landing count, a Breteau survey or an ovitrap round.
 * They feed the same index engine as the sensors (rules/indices/inputs.ts `SurveyRecord`), so a grade can mix both.
 * Strict objects: an unknown field is an error, and a positive count above its checked count names the field.
 * Standards: standards.md §2.2–2.5 (indicators), §3.2 (formulas), §5 (BI, MOI).
 */
import { z } from 'zod';

const RefIdSchema = z.string().regex(/^[A-Za-z0-9_-]{2,64}$/, 'id must match ^[A-Za-z0-9_-]{2,64}$');
const count = () => z.number().int().min(0).max(10_000_000);
const positiveCount = () => z.number().int().min(1).max(10_000_000);

/** Where and when, and who; the counts follow per kind. */
const common = {
  districtId: RefIdSchema.describe('district surveyed'),
  siteId: RefIdSchema.optional().describe('site surveyed; omit for district-wide surveys such as path walks'),
  surveyedAt: z.iso.datetime({ offset: true }).describe('when the survey was done, ISO-8601 with offset; decides its period'),
  inspector: z.string().min(1).max(200).optional(),
  method: z.string().min(1).max(200).optional().describe('e.g. 粉迹法, 目测法, 勺捕法'),
  notes: z.string().max(4000).optional(),
};

/** `part ≤ whole` with an error on the part's path. */
function notAbove<T extends Record<string, unknown>>(part: keyof T & string, whole: keyof T & string) {
  return (v: T, ctx: z.RefinementCtx) => {
    if ((v[part] as number) > (v[whole] as number))
      ctx.addIssue({ code: 'custom', path: [part], message: `${part} (${String(v[part])}) cannot exceed ${whole} (${String(v[whole])})` });
  };
}

/** 室内鼠迹: rooms checked, rooms with rodent signs (GB/T 27770 indoor sign rate). */
export const RodentRoomsSurveySchema = z
  .strictObject({ ...common, kind: z.literal('rodent_rooms'), roomsChecked: positiveCount(), roomsWithSigns: count() })
  .superRefine(notAbove('roomsWithSigns', 'roomsChecked'));

/** 防鼠/防蝇设施: points checked, non-conforming (proofing non-conformity rate). */
export const ProofingSurveySchema = z
  .strictObject({ ...common, kind: z.literal('proofing'), vector: z.enum(['rodent', 'fly']), checked: positiveCount(), nonConforming: count() })
  .superRefine(notAbove('nonConforming', 'checked'));

/** 路径法: km walked, positive sites (rodent path index, mosquito small-water path index). */
export const PathWalkSurveySchema = z.strictObject({
  ...common,
  kind: z.literal('path_walk'),
  target: z.enum(['rodent_signs', 'small_water']),
  km: z.number().positive().max(10_000),
  positiveSites: count(),
});

/** 勺捕法: dips, positive dips, larvae and pupae (dip index, larvae per positive dip). */
export const DipsSurveySchema = z
  .strictObject({ ...common, kind: z.literal('dips'), dips: positiveCount(), positiveDips: count(), larvae: count() })
  .superRefine(notAbove('positiveDips', 'dips'))
  .superRefine((v, ctx) => {
    if (v.positiveDips > 0 && v.larvae < v.positiveDips)
      ctx.addIssue({ code: 'custom', path: ['larvae'], message: `larvae (${v.larvae}) cannot be fewer than positive dips (${v.positiveDips})` });
  });

/** 人诱停落法: person-sessions (30 min each), females landing (adult landing index). */
export const LandingSurveySchema = z.strictObject({ ...common, kind: z.literal('landing'), personSessions: positiveCount(), females: count() });

/** 有蝇房间: rooms checked, rooms with flies, flies counted (room positive rate, flies per positive room). */
export const FlyRoomsSurveySchema = z
  .strictObject({ ...common, kind: z.literal('fly_rooms'), roomsChecked: positiveCount(), roomsWithFlies: count(), flies: count() })
  .superRefine(notAbove('roomsWithFlies', 'roomsChecked'))
  .superRefine((v, ctx) => {
    if (v.flies < v.roomsWithFlies)
      ctx.addIssue({ code: 'custom', path: ['flies'], message: `flies (${v.flies}) cannot be fewer than rooms with flies (${v.roomsWithFlies})` });
  });

/** 室外蝇类孳生地: sites checked, sites with larvae or pupae. */
export const FlyBreedingSitesSurveySchema = z
  .strictObject({ ...common, kind: z.literal('fly_breeding_sites'), sitesChecked: positiveCount(), sitesPositive: count() })
  .superRefine(notAbove('sitesPositive', 'sitesChecked'));

/** 直接入口食品场所: premises checked, premises with flies. */
export const FoodPremisesSurveySchema = z
  .strictObject({ ...common, kind: z.literal('food_premises'), premisesChecked: positiveCount(), premisesWithFlies: count() })
  .superRefine(notAbove('premisesWithFlies', 'premisesChecked'));

/** 蜚蠊: rooms checked; rooms with live adults/nymphs and their small/large counts; oothecae; signs. */
export const CockroachRoomsSurveySchema = z
  .strictObject({
    ...common,
    kind: z.literal('cockroach_rooms'),
    roomsChecked: positiveCount(),
    roomsWithLive: count(),
    small: count().describe('small cockroaches (Blattella) in positive rooms'),
    large: count().describe('large cockroaches (Periplaneta) in positive rooms'),
    roomsWithOothecae: count(),
    oothecae: count(),
    roomsWithSigns: count(),
  })
  .superRefine(notAbove('roomsWithLive', 'roomsChecked'))
  .superRefine(notAbove('roomsWithOothecae', 'roomsChecked'))
  .superRefine(notAbove('roomsWithSigns', 'roomsChecked'))
  .superRefine((v, ctx) => {
    if (v.small + v.large < v.roomsWithLive)
      ctx.addIssue({ code: 'custom', path: ['small'], message: `small + large (${v.small + v.large}) cannot be fewer than rooms with live cockroaches (${v.roomsWithLive})` });
    if (v.oothecae < v.roomsWithOothecae)
      ctx.addIssue({ code: 'custom', path: ['oothecae'], message: `oothecae (${v.oothecae}) cannot be fewer than rooms with oothecae (${v.roomsWithOothecae})` });
  });

/** 布雷图指数: households inspected, positive containers (may exceed households). */
export const BreteauSurveySchema = z.strictObject({ ...common, kind: z.literal('breteau'), households: positiveCount(), positiveContainers: count() });

/** 诱蚊诱卵指数: effective traps recovered, traps positive for Aedes adults or eggs. */
export const OvitrapSurveySchema = z
  .strictObject({ ...common, kind: z.literal('ovitrap'), effectiveTraps: positiveCount(), positiveTraps: count() })
  .superRefine(notAbove('positiveTraps', 'effectiveTraps'));

/** Registry of survey kinds: adding one is a schema plus one line here (and its calculator in rules/indices). */
export const SURVEY_SCHEMAS = {
  rodent_rooms: RodentRoomsSurveySchema,
  proofing: ProofingSurveySchema,
  path_walk: PathWalkSurveySchema,
  dips: DipsSurveySchema,
  landing: LandingSurveySchema,
  fly_rooms: FlyRoomsSurveySchema,
  fly_breeding_sites: FlyBreedingSitesSurveySchema,
  food_premises: FoodPremisesSurveySchema,
  cockroach_rooms: CockroachRoomsSurveySchema,
  breteau: BreteauSurveySchema,
  ovitrap: OvitrapSurveySchema,
} as const;

export type SurveyKind = keyof typeof SURVEY_SCHEMAS;
export const SURVEY_KINDS = Object.keys(SURVEY_SCHEMAS) as SurveyKind[];

/** `POST /api/surveys` body. zod picks the member by `kind`, so errors name the right fields. */
export const SurveyInputSchema = z.discriminatedUnion('kind', [
  RodentRoomsSurveySchema,
  ProofingSurveySchema,
  PathWalkSurveySchema,
  DipsSurveySchema,
  LandingSurveySchema,
  FlyRoomsSurveySchema,
  FlyBreedingSitesSurveySchema,
  FoodPremisesSurveySchema,
  CockroachRoomsSurveySchema,
  BreteauSurveySchema,
  OvitrapSurveySchema,
]);
export type SurveyInput = z.infer<typeof SurveyInputSchema>;

/** A stored survey: the input plus its id and who entered it when. */
export type Survey = SurveyInput & { id: string; createdAt: string; createdBy: string };

/** `GET /api/surveys` query. `from`/`to` are ISO instants (half-open [from, to)) or local dates YYYY-MM-DD. */
export const SurveyQuerySchema = z.strictObject({
  siteId: RefIdSchema.optional(),
  districtId: RefIdSchema.optional(),
  kind: z.enum(SURVEY_KINDS as [SurveyKind, ...SurveyKind[]]).optional(),
  from: z.string().min(1).optional(),
  to: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type SurveyQuery = z.infer<typeof SurveyQuerySchema>;
