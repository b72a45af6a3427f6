/**
 * What the live page and the readings API show by default for each device kind, and how buckets combine it.
 * Counts over a period add up (sum); levels and concentrations average (mean). One line per kind (STYLE 11).
 */
import type { DeviceKind } from '../contracts/telemetry.ts';
import { TELEMETRY_SCHEMAS } from '../contracts/telemetry.ts';

export interface PrimaryField {
  field: string;
  agg: 'sum' | 'mean';
}

export const PRIMARY_FIELD: Readonly<Record<DeviceKind, PrimaryField>> = {
  rodent_station: { field: 'visits', agg: 'sum' },
  mosquito_trap: { field: 'females', agg: 'sum' },
  sticky_trap: { field: 'count', agg: 'sum' },
  water_probe: { field: 'freeChlorineMgL', agg: 'mean' },
  bin_sensor: { field: 'fillPct', agg: 'mean' },
};

/** Count fields, which sum over time; everything else averages. */
const COUNT_FIELDS = new Set(['visits', 'caught', 'females', 'males', 'count']);
export const defaultAgg = (field: string): 'sum' | 'mean' => (COUNT_FIELDS.has(field) || field.startsWith('bySpecies_') ? 'sum' : 'mean');

/** Numeric fields stored for a kind (ingest/to-point.ts flattens `bySpecies` maps to `bySpecies_<key>`). */
export function isStoredField(kind: DeviceKind, field: string): boolean {
  const shape = TELEMETRY_SCHEMAS[kind].shape as Record<string, unknown>;
  if (field.startsWith('bySpecies_')) return 'bySpecies' in shape && /^bySpecies_[a-z][a-z_]{1,31}$/.test(field);
  return field in shape && !['v', 'kind', 'ts', 'target', 'lidOpen', 'tilted', 'bySpecies'].includes(field);
}
