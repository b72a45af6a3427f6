/**
 * A period's density inputs from daily roll-ups plus InfluxDB (issue 3 schedule, issue 7 cost). A period's partial
 * sums are the sum of its days' (sensor-aggregates.ts `mergePartials`), and a closed day's data does not change, so:
 * - `maintain` (the rules engine, the only writer) rolls up each closed local day once, city-wide, into the metadata
 *   database (day-partials-store.ts), and re-queries recently closed days for late readings (a device replaying its
 *   buffer): every `refreshEveryMs` (15 min) until the day has been closed `lateMs` (RULES_ROLLUP_LATE_HOURS, 72 h),
 *   then once more. A reading that arrives later than that is stored in InfluxDB but not in the grades' roll-up until
 *   the day is rolled up again (docs/rules-engine.md);
 * - `aggregates` (the engine's evaluation and the API's on-demand grades) reads the stored days of the period with one
 *   SQL `GROUP BY` and queries InfluxDB only for the rest: today, last night's light traps until noon, and any closed
 *   day not rolled up yet (a period older than the engine's look-back, or an engine that has not caught up).
 *   `basis` says how many days came from which, so a report can show it.
 * A day counts as closed once its last range (the light traps' next noon) ended `settleMs` ago. Days are local
 * calendar days (periods.ts), so months and weeks share them.
 */
import type { Device } from '../../../contracts/registry.ts';
import type { InfluxHttp } from '../../../platform/influx-http.ts';
import type { NightWindow } from '../../lamp-nights.ts';
import { periodOf, type Period } from '../../periods.ts';
import type { DayPartialsStore, PartialsWhere } from './day-partials-store.ts';
import { finalizeAggregates, mergePartials, queryPartials, rangesOf, settleDay, type ScopedAggregate } from './sensor-aggregates.ts';

export interface DayPartialsOptions {
  influx: Pick<InfluxHttp, 'query'>;
  store: DayPartialsStore;
  timeZone: string;
  nightWindow: NightWindow;
  /** A day counts as closed once its last range ended this long ago. Default 5 min. */
  settleMs?: number;
  /** Stored days re-queried per `maintain` call, to pick up late readings. Default 1. */
  refreshPerRun?: number;
  /** A closed day is re-queried for late readings until it has been closed this long (then once more). Default 72 h. */
  lateMs?: number;
  /** …and at most this often. Default 15 min. */
  refreshEveryMs?: number;
  /**
   * Read the roll-up in a worker thread (day-partials-reader.ts). For the engine's background evaluations: the event
   * loop stalls ~0.2 s instead of the whole read, but the read takes longer (the result is copied between threads:
   * 2.2 s instead of 1.0 s for a 20,000-device month), so on-demand grading, whose caller waits, reads in line.
   */
  offThread?: boolean;
}

/** Where a period's sensor data came from. */
export interface AggregateBasis {
  /** Local days of the period. */
  days: number;
  /** Days read from the daily roll-up. */
  rolledUp: number;
  /** Days queried from InfluxDB's raw readings (open and future days, and closed days not rolled up yet). */
  queried: number;
}

export interface DayPartials {
  /** Rolls up the closed days in [fromMs, toMs) that are missing (newest first), then refreshes the stalest. */
  maintain(fromMs: number, toMs: number, nowMs: number, opts?: { maxDays?: number; refresh?: boolean; stop?: () => boolean }): Promise<{ rolledUp: number; refreshed: number; missing: number }>;
  /** Aggregates of a period, narrowed to a district or site (the API's scope) or city-wide. */
  aggregates(period: Pick<Period, 'startMs' | 'endMs'>, where: PartialsWhere, devices: readonly Device[]): Promise<{ aggregates: ScopedAggregate[]; basis: AggregateBasis }>;
  /** Closed days in [fromMs, toMs) not rolled up yet. */
  missing(fromMs: number, toMs: number, nowMs: number): number;
  stats(): { queries: number };
}

interface Day {
  startMs: number;
  endMs: number;
}

export function createDayPartials(opts: DayPartialsOptions): DayPartials {
  const settleMs = opts.settleMs ?? 5 * 60_000;
  const refreshPerRun = opts.refreshPerRun ?? 1;
  const lateMs = opts.lateMs ?? 72 * 3_600_000;
  const refreshEveryMs = opts.refreshEveryMs ?? 15 * 60_000;
  const config = `${opts.timeZone}|night ${opts.nightWindow.fromLocalHour}-${opts.nightWindow.toLocalHour}|v1`;
  let queries = 0;

  function daysOf(startMs: number, endMs: number): Day[] {
    const out: Day[] = [];
    for (let t = startMs; t < endMs; ) {
      const d = periodOf('day', t, opts.timeZone);
      out.push({ startMs: d.startMs, endMs: d.endMs });
      t = d.endMs;
    }
    return out;
  }
  const closesAt = (d: Day) => rangesOf(d.startMs, d.endMs).nights.endMs + settleMs;
  const isClosed = (d: Day, nowMs: number) => closesAt(d) <= nowMs;
  const query = (startMs: number, endMs: number, where: PartialsWhere) => {
    queries += 1;
    return queryPartials(opts.influx, rangesOf(startMs, endMs), where);
  };
  async function rollUp(d: Day, nowMs: number): Promise<void> {
    const partials = settleDay(await query(d.startMs, d.endMs, {}), d.startMs, opts.timeZone, opts.nightWindow);
    opts.store.put(d, partials, { config, fetchedAtMs: nowMs });
  }

  return {
    async maintain(fromMs, toMs, nowMs, o = {}) {
      const closed = daysOf(fromMs, toMs).filter((d) => isClosed(d, nowMs));
      const stored = new Map(opts.store.storedDays(fromMs, toMs, config).map((s) => [s.startMs, s.fetchedAtMs]));
      const missing = closed.filter((d) => !stored.has(d.startMs)).reverse();
      let rolledUp = 0;
      for (const d of missing.slice(0, o.maxDays ?? missing.length)) {
        if (o.stop?.()) break;
        await rollUp(d, nowMs);
        rolledUp += 1;
      }
      let refreshed = 0;
      if (o.refresh !== false && missing.length === 0) {
        // A day fetched before its late-reading horizon ended may still change; the last such fetch is after it.
        const fetchedAt = (d: Day) => stored.get(d.startMs) ?? 0;
        const stale = closed
          .filter((d) => stored.has(d.startMs) && fetchedAt(d) < closesAt(d) + lateMs && fetchedAt(d) <= nowMs - refreshEveryMs)
          .sort((a, b) => fetchedAt(a) - fetchedAt(b));
        for (const d of stale.slice(0, refreshPerRun)) {
          if (o.stop?.()) break;
          await rollUp(d, nowMs);
          refreshed += 1;
        }
      }
      return { rolledUp, refreshed, missing: missing.length - rolledUp };
    },
    async aggregates(period, where, devices) {
      const days = daysOf(period.startMs, period.endMs);
      const stored = new Set(opts.store.storedDays(period.startMs, period.endMs, config).map((s) => s.startMs));
      // Every day not rolled up, as contiguous ranges: one InfluxDB query each.
      const ranges: Day[] = [];
      for (const d of days) {
        if (stored.has(d.startMs)) continue;
        const last = ranges.at(-1);
        if (last !== undefined && last.endMs === d.startMs) last.endMs = d.endMs;
        else ranges.push({ ...d });
      }
      // Off the loop, the roll-up is read in a worker thread while InfluxDB answers for the other days.
      const rows = opts.offThread === true ? opts.store.readAsync(period.startMs, period.endMs, config, where) : opts.store.read(period.startMs, period.endMs, config, where);
      const parts = await Promise.all([rows, ...ranges.map((r) => query(r.startMs, r.endMs, where))]);
      const merged = mergePartials(parts);
      const rolledUp = days.filter((d) => stored.has(d.startMs)).length;
      return {
        aggregates: finalizeAggregates(merged, { startMs: period.startMs, endMs: period.endMs, timeZone: opts.timeZone, nightWindow: opts.nightWindow }, devices),
        basis: { days: days.length, rolledUp, queried: days.length - rolledUp },
      };
    },
    missing(fromMs, toMs, nowMs) {
      const stored = new Set(opts.store.storedDays(fromMs, toMs, config).map((s) => s.startMs));
      return daysOf(fromMs, toMs).filter((d) => isClosed(d, nowMs) && !stored.has(d.startMs)).length;
    },
    stats: () => ({ queries }),
  };
}
