/**
 * Waste-bin conditions under the operator's bin policy pack (standards.md §7): full, overflow, fire risk and tilt from
 * one reading, and "not emptied in time" (日产日清: within 24 h of turning full) over a time-ordered series.
 * All thresholds come from the policy pack; none is a Chinese standard except the same-day emptying rule.
 */
import type { BinRules } from '../contracts/rule-pack.ts';
import type { TelemetryOf } from '../contracts/telemetry.ts';
import { compare } from './compare.ts';
import { RuleError } from './errors.ts';

const HOUR_MS = 3_600_000;

export type BinConditionKind = 'full' | 'overflow' | 'fire_risk' | 'tilted';
export interface BinCondition {
  readonly condition: BinConditionKind;
  readonly value: number | boolean;
  readonly threshold: number | boolean;
}

export type BinReading = Pick<TelemetryOf<'bin_sensor'>, 'fillPct' | 'tempC' | 'tilted'>;

/** Conditions of one reading; overflow replaces full (one fill condition at a time). */
export function binConditions(reading: BinReading, rules: BinRules): BinCondition[] {
  const out: BinCondition[] = [];
  const { fillPct, tempC, tilted } = reading;
  if (compare(fillPct, rules.overflowPct.comparison, rules.overflowPct.value))
    out.push({ condition: 'overflow', value: fillPct, threshold: rules.overflowPct.value });
  else if (compare(fillPct, rules.fullPct.comparison, rules.fullPct.value))
    out.push({ condition: 'full', value: fillPct, threshold: rules.fullPct.value });
  if (tempC !== undefined && compare(tempC, rules.fireRiskTempC.comparison, rules.fireRiskTempC.value))
    out.push({ condition: 'fire_risk', value: tempC, threshold: rules.fireRiskTempC.value });
  if (tilted === true && rules.tilted.alert) out.push({ condition: 'tilted', value: true, threshold: true });
  return out;
}

export interface FillPoint {
  readonly tsMs: number;
  readonly fillPct: number;
}

export interface LateEmptying {
  readonly fullSinceMs: number;
  /** When the fill fell below the emptied level; null while still waiting at `nowMs`. */
  readonly emptiedAtMs: number | null;
  /** Time past the allowed window at emptying (or at `nowMs`). */
  readonly overdueMs: number;
}

/**
 * Full episodes not emptied within the window. An episode starts at the first reading at or above the full level
 * and ends at the first later reading below the emptied level (hysteresis). An open episode is judged at `nowMs`
 * (injected clock). Readings must be in time order.
 */
export function lateEmptyings(points: readonly FillPoint[], rules: BinRules, nowMs: number): LateEmptying[] {
  const windowMs = rules.emptyWithinH.value * HOUR_MS;
  const inTime = (elapsedMs: number) => compare(elapsedMs, rules.emptyWithinH.comparison, windowMs);
  const out: LateEmptying[] = [];
  let fullSince: number | null = null;
  let prevTs = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    if (p.tsMs < prevTs) throw new RuleError('RULE_INPUT_INVALID', `fill readings out of order at ${new Date(p.tsMs).toISOString()}`);
    prevTs = p.tsMs;
    if (fullSince === null) {
      if (compare(p.fillPct, rules.fullPct.comparison, rules.fullPct.value)) fullSince = p.tsMs;
    } else if (compare(p.fillPct, rules.emptiedBelowPct.comparison, rules.emptiedBelowPct.value)) {
      const elapsed = p.tsMs - fullSince;
      if (!inTime(elapsed)) out.push({ fullSinceMs: fullSince, emptiedAtMs: p.tsMs, overdueMs: elapsed - windowMs });
      fullSince = null;
    }
  }
  if (fullSince !== null && !inTime(nowMs - fullSince))
    out.push({ fullSinceMs: fullSince, emptiedAtMs: null, overdueMs: nowMs - fullSince - windowMs });
  return out;
}
