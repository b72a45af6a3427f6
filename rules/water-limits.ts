/**
 * GB 5749-2022 check of one water-probe reading (standards.md §6). Free chlorine is two-sided: ≤2 mg/L everywhere,
 * and a residual floor that depends on the sampling point (finished ≥0.3, tap and secondary supply ≥0.05 mg/L).
 * Limits come from the range pack; this module only compares.
 */
import type { Bound, RangePack, RangeParameter, WaterField } from '../contracts/rule-pack.ts';
import type { TelemetryOf } from '../contracts/telemetry.ts';

export type SamplingPoint = 'finished' | 'tap' | 'secondary';
export type Disinfectant = 'free_chlorine' | 'chloramine';
export type WaterValues = Partial<Pick<TelemetryOf<'water_probe'>, WaterField>>;

export interface WaterBreach {
  readonly parameterId: string;
  readonly field: WaterField;
  readonly value: number;
  readonly limit: number;
  readonly inclusive: boolean;
  /** `above` the maximum, or `below` the minimum or the residual floor. */
  readonly direction: 'above' | 'below';
  readonly rule: 'max' | 'min' | 'residual_min';
  readonly samplingPoint: SamplingPoint;
}

const belowBound = (v: number, b: Bound) => (b.inclusive ? v < b.value : v <= b.value);
const aboveBound = (v: number, b: Bound) => (b.inclusive ? v > b.value : v >= b.value);

function breachesOf(p: RangeParameter, value: number, at: SamplingPoint): WaterBreach[] {
  const out: WaterBreach[] = [];
  const base = { parameterId: p.id, field: p.field, value, samplingPoint: at };
  if (p.max !== undefined && aboveBound(value, p.max))
    out.push({ ...base, limit: p.max.value, inclusive: p.max.inclusive, direction: 'above', rule: 'max' });
  if (p.min !== undefined && belowBound(value, p.min))
    out.push({ ...base, limit: p.min.value, inclusive: p.min.inclusive, direction: 'below', rule: 'min' });
  const floor = p.residualMin?.[at];
  if (floor !== undefined && belowBound(value, floor))
    out.push({ ...base, limit: floor.value, inclusive: floor.inclusive, direction: 'below', rule: 'residual_min' });
  return out;
}

/**
 * Breaches of one reading taken at `samplingPoint`. Parameters tied to another disinfectant are skipped (total
 * chlorine is checked only under chloramine disinfection); fields the probe did not report are skipped.
 */
export function checkWater(
  pack: RangePack,
  reading: WaterValues,
  samplingPoint: SamplingPoint,
  disinfectant: Disinfectant = 'free_chlorine',
): WaterBreach[] {
  return pack.parameters.flatMap((p) => {
    if (p.disinfectant !== undefined && p.disinfectant !== disinfectant) return [];
    const value = reading[p.field];
    return value === undefined ? [] : breachesOf(p, value, samplingPoint);
  });
}
