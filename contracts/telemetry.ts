/**
 * Device contract v1: the telemetry envelope and one schema per device kind.
 * Strict objects: an unknown field is an error, so typos surface at once. Units are in the field names.
 * Counts cover the `periodS` seconds before `ts`. Static facts (site, indoor/outdoor, sampling point)
 * live in the device registry, not in readings.
 */
import { z } from 'zod';

export const CONTRACT_VERSION = 1;

/** Upper bound on any counter in one report: far above anything a trap can count in a week. */
const MAX_COUNT = 1_000_000;
const count = () => z.number().int().min(0).max(MAX_COUNT);
const percent = () => z.number().min(0).max(100);
/** A report covers at most 7 days (weekly sticky boards); at least one second. */
const periodS = () => z.number().int().min(1).max(7 * 24 * 3600).describe('seconds covered by the counts, ending at ts');

/** ISO-8601 with an explicit offset (`Z` or `+08:00`), or epoch milliseconds. */
export const TimestampSchema = z.union([
  z.iso.datetime({ offset: true, precision: undefined }),
  z.number().int().min(0).max(8.64e15),
]);

const envelope = {
  v: z.literal(CONTRACT_VERSION),
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe('per-device sequence number, increasing'),
  ts: TimestampSchema.describe('ISO-8601 with offset, or epoch milliseconds'),
  battery: percent().optional().describe('battery level, %'),
  rssi: z.number().min(-200).max(0).optional().describe('received signal strength, dBm'),
};

export const RodentStationSchema = z.strictObject({
  ...envelope,
  kind: z.literal('rodent_station'),
  periodS: periodS(),
  visits: count().describe('rodent detections in the period'),
  caught: count().describe('captures in the period'),
  baitPct: percent().describe('bait remaining, %'),
  lidOpen: z.boolean(),
});

export const MosquitoSpeciesSchema = z.strictObject({
  culex: count().optional(),
  aedes: count().optional(),
  anopheles: count().optional(),
  other: count().optional(),
});

export const MosquitoTrapSchema = z.strictObject({
  ...envelope,
  kind: z.literal('mosquito_trap'),
  periodS: periodS(),
  females: count().describe('female mosquitoes counted in the period'),
  males: count().optional(),
  bySpecies: MosquitoSpeciesSchema.optional(),
  tempC: z.number().min(-50).max(70).optional(),
  humidityPct: percent().optional(),
});

/** Species keys on sticky boards are lower-case latin genus names, e.g. blattella, periplaneta, musca. */
export const SpeciesKeySchema = z.string().regex(/^[a-z][a-z_]{1,31}$/);

export const StickyTrapSchema = z.strictObject({
  ...envelope,
  kind: z.literal('sticky_trap'),
  periodS: periodS(),
  target: z.enum(['fly', 'cockroach']),
  count: count().describe('insects on the board counted in the period'),
  bySpecies: z
    .record(SpeciesKeySchema, count())
    .refine((r) => Object.keys(r).length <= 16, 'at most 16 species')
    .optional(),
});

export const WaterProbeSchema = z.strictObject({
  ...envelope,
  kind: z.literal('water_probe'),
  ph: z.number().min(0).max(14),
  turbidityNtu: z.number().min(0).max(4000),
  freeChlorineMgL: z.number().min(0).max(20),
  totalChlorineMgL: z.number().min(0).max(20).optional(),
  tempC: z.number().min(-10).max(100).optional(),
  conductivityUsCm: z.number().min(0).max(200_000).optional(),
});

export const BinSensorSchema = z.strictObject({
  ...envelope,
  kind: z.literal('bin_sensor'),
  fillPct: percent(),
  distanceMm: z.number().int().min(0).max(20_000).optional(),
  tempC: z.number().min(-50).max(150).optional(),
  tilted: z.boolean().optional(),
  lidOpen: z.boolean().optional(),
});

/** Registry of kinds: adding a kind is one schema plus one line here. */
export const TELEMETRY_SCHEMAS = {
  rodent_station: RodentStationSchema,
  mosquito_trap: MosquitoTrapSchema,
  sticky_trap: StickyTrapSchema,
  water_probe: WaterProbeSchema,
  bin_sensor: BinSensorSchema,
} as const;

export type DeviceKind = keyof typeof TELEMETRY_SCHEMAS;
export const DEVICE_KINDS = Object.keys(TELEMETRY_SCHEMAS) as DeviceKind[];
export const DeviceKindSchema = z.enum(DEVICE_KINDS as [DeviceKind, ...DeviceKind[]]);

export const TelemetrySchema = z.discriminatedUnion('kind', [
  RodentStationSchema,
  MosquitoTrapSchema,
  StickyTrapSchema,
  WaterProbeSchema,
  BinSensorSchema,
]);
export type Telemetry = z.infer<typeof TelemetrySchema>;
export type TelemetryOf<K extends DeviceKind> = Extract<Telemetry, { kind: K }>;

/** Epoch milliseconds of a reading's `ts` (ISO strings carry their own offset). */
export function timestampMs(ts: Telemetry['ts']): number {
  return typeof ts === 'number' ? ts : Date.parse(ts);
}
