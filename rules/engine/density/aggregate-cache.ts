/**
 * Per-day aggregate cache for the engine's once-a-minute evaluation (issue 3 schedule, issue 7 cost): a period's
 * partial sums are the sum of its days' (sensor-aggregates.ts `mergePartials`), and a day whose data is complete does
 * not change, so each evaluation queries only the open tail (today, and last night's light traps until noon) plus
 * `refreshPerRun` cached days, oldest-fetched first. A reading that arrives late for a closed day (a device
 * replaying its buffer) therefore shows up within days-in-period × evaluation interval (30 min for a month at the
 * default 1 min). Days are local calendar days (periods.ts), so month and week share them.
 */
import type { Device } from '../../../contracts/registry.ts';
import type { InfluxHttp } from '../../../platform/influx-http.ts';
import type { NightWindow } from '../../lamp-nights.ts';
import { periodOf, type Period } from '../../periods.ts';
import { emptyPartials, finalizeAggregates, mergePartials, queryPartials, rangesOf, type Partials, type ScopedAggregate } from './sensor-aggregates.ts';

export interface AggregateCacheOptions {
  influx: Pick<InfluxHttp, 'query'>;
  timeZone: string;
  nightWindow: NightWindow;
  /** A day counts as closed once its last range (the light traps' next noon) ended this long ago. Default 5 min. */
  settleMs?: number;
  /** Closed days re-queried per evaluation, to pick up late readings. Default 1. */
  refreshPerRun?: number;
}

export interface AggregateCache {
  /** Aggregates of a period as of `nowMs`, from cached closed days and a fresh query of the open tail. */
  aggregates(period: Pick<Period, 'startMs' | 'endMs'>, devices: readonly Device[], nowMs: number): Promise<ScopedAggregate[]>;
  /** Forget days that start before this instant. */
  evictBefore(ms: number): void;
  stats(): { days: number; queries: number };
}

interface Day {
  startMs: number;
  endMs: number;
}

export function createAggregateCache(opts: AggregateCacheOptions): AggregateCache {
  const settleMs = opts.settleMs ?? 5 * 60_000;
  const refreshPerRun = opts.refreshPerRun ?? 1;
  const days = new Map<number, { partials: Partials; fetchedAtMs: number }>();
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
  const fetch = (startMs: number, endMs: number): Promise<Partials> => {
    queries += 1;
    return queryPartials(opts.influx, rangesOf(startMs, endMs), undefined);
  };

  return {
    async aggregates(period, devices, nowMs) {
      const all = daysOf(period.startMs, period.endMs).filter((d) => d.startMs <= nowMs);
      const closed = all.filter((d) => rangesOf(d.startMs, d.endMs).nights.endMs <= nowMs - settleMs);
      const open = all.slice(closed.length);
      // Closed days: cached; the stalest few are re-queried for late readings.
      const missing = closed.filter((d) => !days.has(d.startMs));
      const stale = closed
        .filter((d) => days.has(d.startMs))
        .sort((a, b) => (days.get(a.startMs)?.fetchedAtMs ?? 0) - (days.get(b.startMs)?.fetchedAtMs ?? 0))
        .slice(0, missing.length > 0 ? 0 : refreshPerRun);
      for (const d of [...missing, ...stale]) days.set(d.startMs, { partials: await fetch(d.startMs, d.endMs), fetchedAtMs: nowMs });
      const tail = open.length > 0 ? await fetch(open[0]?.startMs as number, open.at(-1)?.endMs as number) : emptyPartials();
      const merged = mergePartials([...closed.map((d) => days.get(d.startMs)?.partials ?? emptyPartials()), tail]);
      return finalizeAggregates(merged, { startMs: period.startMs, endMs: period.endMs, timeZone: opts.timeZone, nightWindow: opts.nightWindow }, devices);
    },
    evictBefore(ms) {
      for (const start of days.keys()) if (start < ms) days.delete(start);
    },
    stats: () => ({ days: days.size, queries }),
  };
}
