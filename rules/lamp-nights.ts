/**
 * Light-trap reports → lamp-nights (GB/T 23797 诱蚊灯法: the lamp runs from before dusk to after dawn). A report
 * belongs to the night of its window's midpoint (`lampNightDate`: noon to noon, dated by the evening). A night counts
 * as a lamp-night only when the union of its reports' windows covers the whole night window; its females are the sum
 * over its reports. The night window (local hours) is the deployment's, since dusk and dawn vary with place and season.
 */
import type { LampNight } from './indices/inputs.ts';
import { RuleError } from './errors.ts';
import { lampNightDate, zonedTimeToMs } from './periods.ts';

export interface TrapReport {
  readonly tsMs: number;
  /** Seconds covered by the counts, ending at tsMs (contracts/telemetry.ts). */
  readonly periodS: number;
  readonly females: number;
}

export interface NightWindow {
  /** Local hour the night must be covered from (evening, e.g. 18). */
  readonly fromLocalHour: number;
  /** Local hour of the next morning the night must be covered until (e.g. 6). */
  readonly toLocalHour: number;
}

function covers(windows: readonly [number, number][], start: number, end: number): boolean {
  let reached = start;
  for (const [from, to] of [...windows].sort((a, b) => a[0] - b[0])) {
    if (from > reached) break;
    reached = Math.max(reached, to);
    if (reached >= end) return true;
  }
  return reached >= end;
}

export function summariseLampNights(reports: readonly TrapReport[], timeZone: string, window: NightWindow): LampNight[] {
  const { fromLocalHour: from, toLocalHour: to } = window;
  if (![from, to].every((h) => Number.isInteger(h) && h >= 0 && h <= 23) || to >= from)
    throw new RuleError('RULE_INPUT_INVALID', `night window ${from}→${to} must run from an evening hour to a smaller morning hour`);
  const nights = new Map<string, TrapReport[]>();
  for (const r of reports) {
    const night = lampNightDate(r.tsMs - (r.periodS * 1000) / 2, timeZone);
    nights.set(night, [...(nights.get(night) ?? []), r]);
  }
  return [...nights.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([night, rs]) => {
      const [y, m, d] = night.split('-').map(Number) as [number, number, number];
      const start = zonedTimeToMs(y, m, d, from, timeZone);
      const end = zonedTimeToMs(y, m, d + 1, to, timeZone);
      const windows = rs.map((r): [number, number] => [r.tsMs - r.periodS * 1000, r.tsMs]);
      return { night, coveredNight: covers(windows, start, end), females: rs.reduce((s, r) => s + r.females, 0) };
    });
}
