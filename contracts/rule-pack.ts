/**
 * Rule packs: thresholds as versioned, cited data (issue 3). One pack per standard, stored as JSON under
 * `rules/packs/`, validated here. Every number carries its source tags ([S…] in `/work/shared/domain/standards.md`)
 * and a confidence tag. Strict objects throughout: an unknown key is an error, a missing limit is an error.
 *
 * Pack types (discriminated on `type`):
 * - `density`: A/B/C control levels of GB/T 27770–27773-2011 (standards.md §2).
 * - `band`: ordered risk bands, e.g. dengue Aedes BI/MOI <5, 5–10, 10–20, ≥20 (§5).
 * - `range`: two-sided limits and residual floors by sampling point, e.g. GB 5749-2022 (§6).
 * - `policy`: operator-tunable thresholds, e.g. waste bins (§7).
 * - `override` (local files only): a city's stricter limits or extra indicators on top of a pack.
 */
import { z } from 'zod';

const idPattern = /^[a-z0-9][a-z0-9-]{1,63}$/;
const PackIdSchema = z.string().regex(idPattern, 'id must match ^[a-z0-9][a-z0-9-]{1,63}$');

export const BilingualSchema = z.strictObject({ zh: z.string().min(1), en: z.string().min(1) });
export type Bilingual = z.infer<typeof BilingualSchema>;

/** `S3` (standards.md source list) or a namespaced citation such as `local:深圳市2024-12号文` or `issue:3`. */
export const SourceTagSchema = z
  .string()
  .regex(/^(S\d+[a-z]?|[a-z][a-z0-9-]*:\S.*)$/, 'source must be a fact-sheet tag like S3 or a citation like local:…');
/** Confidence tags of the fact sheet: V3/V2 several sources agree, V1 one source, EST unverified, CONFLICT. */
export const ConfidenceSchema = z.enum(['V3', 'V2', 'V1', 'EST', 'CONFLICT']);
export type Confidence = z.infer<typeof ConfidenceSchema>;

const SourcesSchema = z.array(SourceTagSchema).min(1, 'at least one source tag is required');

export const VectorSchema = z.enum(['rodent', 'mosquito', 'fly', 'cockroach']);
export type Vector = z.infer<typeof VectorSchema>;

export const PackStatusSchema = z.enum(['current', 'superseded', 'pending-revision']);

/** `le`: value ≤ limit meets it (inclusive); `lt`: value < limit meets it (exclusive). */
export const ComparisonSchema = z.enum(['le', 'lt']);
export type Comparison = z.infer<typeof ComparisonSchema>;

const limit = (key: string) =>
  z.number({
    error: (iss) => (iss.input === undefined ? `missing limit ${key}` : `limit ${key} must be a number`),
  }).min(0);

/** Upper limits of levels A (best), B and C (minimum pass). */
export const LimitsSchema = z
  .strictObject({ A: limit('A'), B: limit('B'), C: limit('C') })
  .refine((l) => l.A <= l.B && l.B <= l.C, { message: 'limits must satisfy A ≤ B ≤ C' });
export type Limits = z.infer<typeof LimitsSchema>;

export const MinSampleSchema = z.strictObject({ unit: z.string().min(1), count: z.number().positive() });
export type MinSample = z.infer<typeof MinSampleSchema>;

/** How the ratio is formed; documentation for people and the scale for the index calculators. */
export const FormulaSchema = z.strictObject({
  numerator: BilingualSchema,
  denominator: BilingualSchema,
  /** 100 for percentages, 1 for plain ratios. */
  scale: z.number().positive(),
  /** Denominator is the positives of another indicator (e.g. flies per positive room): none positive → not applicable. */
  perPositiveOf: z.string().regex(idPattern).optional(),
});

export const EnvironmentSchema = z.enum(['indoor', 'outdoor', 'any', 'proofing', 'water_body', 'food_premises']);

export const DensityIndicatorSchema = z.strictObject({
  id: z.string().regex(idPattern),
  name: BilingualSchema,
  unit: z.string().min(1),
  environment: EnvironmentSchema,
  measuredBy: z.enum(['survey', 'sensor']),
  /** Sensor proxies only: the survey indicator of the same pack that this sensor index stands in for. */
  proxyFor: z.string().regex(idPattern).optional(),
  /** `null`: reported, not graded (no published limit for this index). Never omitted. */
  limits: LimitsSchema.nullable(),
  comparison: ComparisonSchema,
  source: SourcesSchema,
  confidence: ConfidenceSchema,
  minSample: MinSampleSchema.optional(),
  formula: FormulaSchema,
  notes: BilingualSchema.optional(),
});
export type DensityIndicator = z.infer<typeof DensityIndicatorSchema>;

const packHeader = {
  id: PackIdSchema,
  standard: z.string().min(1),
  title: BilingualSchema,
  version: z.string().min(1),
  status: PackStatusSchema,
  supersededBy: z.string().min(1).optional(),
  notes: BilingualSchema.optional(),
};

function checkIndicatorRefs(indicators: readonly DensityIndicator[], ctx: z.RefinementCtx): void {
  const ids = new Set<string>();
  indicators.forEach((ind, i) => {
    if (ids.has(ind.id)) ctx.addIssue({ code: 'custom', path: ['indicators', i, 'id'], message: `duplicate indicator id '${ind.id}'` });
    ids.add(ind.id);
  });
  indicators.forEach((ind, i) => {
    if (ind.proxyFor !== undefined && !ids.has(ind.proxyFor))
      ctx.addIssue({ code: 'custom', path: ['indicators', i, 'proxyFor'], message: `unknown indicator '${ind.proxyFor}'` });
    const parent = ind.formula.perPositiveOf;
    if (parent !== undefined && !ids.has(parent))
      ctx.addIssue({ code: 'custom', path: ['indicators', i, 'formula', 'perPositiveOf'], message: `unknown indicator '${parent}'` });
    if (ind.limits === null && ind.measuredBy !== 'sensor')
      ctx.addIssue({ code: 'custom', path: ['indicators', i, 'limits'], message: 'only sensor proxies may omit limits (null)' });
  });
}

export const DensityPackSchema = z
  .strictObject({
    type: z.literal('density'),
    ...packHeader,
    vector: VectorSchema,
    indicators: z.array(DensityIndicatorSchema).min(1),
  })
  .superRefine((p, ctx) => checkIndicatorRefs(p.indicators, ctx));
export type DensityPack = z.infer<typeof DensityPackSchema>;

/** `lower`: a band includes its lower bound (10 ≤ BI < 20); `upper`: it includes its upper bound (10 < BI ≤ 20). */
export const BandInclusivitySchema = z.enum(['lower', 'upper']);
export type BandInclusivity = z.infer<typeof BandInclusivitySchema>;

export const BandSchema = z.strictObject({ id: z.string().regex(idPattern), name: BilingualSchema, colour: z.string().min(1) });

export const BandIndexSchema = z
  .strictObject({
    id: z.string().regex(idPattern),
    name: BilingualSchema,
    unit: z.string().min(1),
    /** Ascending cut points between bands: n cuts make n + 1 bands. */
    cuts: z.array(z.number().min(0)).min(1),
    bands: z.array(BandSchema).min(2),
    source: SourcesSchema,
    confidence: ConfidenceSchema,
    minSample: MinSampleSchema.optional(),
    formula: FormulaSchema,
    notes: BilingualSchema.optional(),
  })
  .refine((b) => b.bands.length === b.cuts.length + 1, { message: 'bands must number cuts + 1', path: ['bands'] })
  .refine((b) => b.cuts.every((c, i) => i === 0 || c > (b.cuts[i - 1] ?? -Infinity)), {
    message: 'cuts must be strictly ascending',
    path: ['cuts'],
  });
export type BandIndex = z.infer<typeof BandIndexSchema>;

export const BandPackSchema = z.strictObject({
  type: z.literal('band'),
  ...packHeader,
  inclusivity: BandInclusivitySchema,
  inclusivitySource: SourcesSchema,
  indices: z.array(BandIndexSchema).min(1),
});
export type BandPack = z.infer<typeof BandPackSchema>;

export const SamplingPointKeySchema = z.enum(['finished', 'tap', 'secondary']);
export const BoundSchema = z.strictObject({ value: z.number(), inclusive: z.boolean() });
export type Bound = z.infer<typeof BoundSchema>;

/** Numeric fields of a water_probe reading (contracts/telemetry.ts) a range parameter can check. */
export const WaterFieldSchema = z.enum(['ph', 'turbidityNtu', 'freeChlorineMgL', 'totalChlorineMgL']);
export type WaterField = z.infer<typeof WaterFieldSchema>;

export const RangeParameterSchema = z.strictObject({
  id: z.string().regex(idPattern),
  name: BilingualSchema,
  unit: z.string(),
  field: WaterFieldSchema,
  /** Only checked when the supply uses this disinfectant (free chlorine vs chloramine, GB 5749-2022 table A). */
  disinfectant: z.enum(['free_chlorine', 'chloramine']).optional(),
  min: BoundSchema.optional(),
  max: BoundSchema.optional(),
  /** Residual floor by sampling point: works outlet (finished) vs tap / secondary supply. */
  residualMin: z.strictObject({ finished: BoundSchema, tap: BoundSchema, secondary: BoundSchema }).optional(),
  source: SourcesSchema,
  confidence: ConfidenceSchema,
  notes: BilingualSchema.optional(),
});
export type RangeParameter = z.infer<typeof RangeParameterSchema>;

export const RangePackSchema = z.strictObject({
  type: z.literal('range'),
  ...packHeader,
  parameters: z.array(RangeParameterSchema).min(1),
});
export type RangePack = z.infer<typeof RangePackSchema>;

export const PolicyThresholdSchema = z.strictObject({
  value: z.number(),
  unit: z.string().min(1),
  /** How a reading is compared with `value` to trigger the condition (or, for windows, to meet it). */
  comparison: z.enum(['ge', 'gt', 'le', 'lt']),
  source: SourcesSchema,
  confidence: ConfidenceSchema,
  notes: BilingualSchema.optional(),
});
export type PolicyThreshold = z.infer<typeof PolicyThresholdSchema>;

export const BinRulesSchema = z.strictObject({
  fullPct: PolicyThresholdSchema,
  overflowPct: PolicyThresholdSchema,
  /** A full episode ends when the fill falls below this (hysteresis: 86 → 84 % is noise, not an emptying). */
  emptiedBelowPct: PolicyThresholdSchema,
  emptyWithinH: PolicyThresholdSchema,
  fireRiskTempC: PolicyThresholdSchema,
  tilted: z.strictObject({ alert: z.boolean(), source: SourcesSchema, confidence: ConfidenceSchema }),
});
export type BinRules = z.infer<typeof BinRulesSchema>;

export const PolicyPackSchema = z.strictObject({
  type: z.literal('policy'),
  ...packHeader,
  policy: z.literal('bin'),
  rules: BinRulesSchema,
});
export type PolicyPack = z.infer<typeof PolicyPackSchema>;

export const RulePackSchema = z.discriminatedUnion('type', [DensityPackSchema, BandPackSchema, RangePackSchema, PolicyPackSchema]);
export type RulePack = z.infer<typeof RulePackSchema>;

/** A local change to one indicator: new limits with the local source that justifies them. */
export const IndicatorOverrideSchema = z.strictObject({
  id: z.string().regex(idPattern),
  limits: LimitsSchema.nullable(),
  comparison: ComparisonSchema.optional(),
  minSample: MinSampleSchema.optional(),
  source: SourcesSchema,
  confidence: ConfidenceSchema,
  notes: BilingualSchema.optional(),
});
export type IndicatorOverride = z.infer<typeof IndicatorOverrideSchema>;

/** Local packs only: changes applied on top of the pack named by `extends`. */
export const OverridePackSchema = z.strictObject({
  type: z.literal('override'),
  id: PackIdSchema,
  extends: PackIdSchema,
  title: BilingualSchema,
  version: z.string().min(1),
  notes: BilingualSchema.optional(),
  /** density packs: replace limits of existing indicators */
  indicators: z.array(IndicatorOverrideSchema).optional(),
  /** density packs: add indicators */
  addIndicators: z.array(DensityIndicatorSchema).optional(),
  /** band packs: change boundary inclusivity */
  inclusivity: BandInclusivitySchema.optional(),
  /** policy packs: replace individual thresholds */
  rules: BinRulesSchema.partial().optional(),
});
export type OverridePack = z.infer<typeof OverridePackSchema>;

export const RulePackFileSchema = z.discriminatedUnion('type', [
  DensityPackSchema,
  BandPackSchema,
  RangePackSchema,
  PolicyPackSchema,
  OverridePackSchema,
]);
export type RulePackFile = z.infer<typeof RulePackFileSchema>;

/** Hygienic-city certification profiles (standards.md §4), selectable per evaluation. */
export const CertificationProfileSchema = z.strictObject({
  id: z.string().regex(idPattern),
  name: BilingualSchema,
  status: z.enum(['current', 'historical']),
  vectors: z.array(VectorSchema).min(1),
  /** Worst level a vector may have to meet the standard. */
  minLevel: z.enum(['A', 'B', 'C']),
  /** How many vectors may miss `minLevel`. */
  allowedBelow: z.number().int().min(0),
  /** Those vectors' worst ratio to their C limit must be ≤ this; null when none may miss. */
  belowMaxRatioToC: z.number().positive().nullable(),
  source: SourcesSchema,
  confidence: ConfidenceSchema,
  notes: BilingualSchema.optional(),
});
export type CertificationProfile = z.infer<typeof CertificationProfileSchema>;
export const CertificationProfilesSchema = z.array(CertificationProfileSchema).min(1);
