/**
 * Writes what ingest did with readings into InfluxDB as `ingest_stats` (contracts/influx-schema.ts), so the
 * fleet-health dashboard can show rejections by code and throughput next to the data: one point per
 * (outcome, code) with a non-zero count per interval — a delta of the Prometheus counters, not a running total.
 * Best effort: a failed write is logged and its counts are carried into the next interval, never lost silently.
 */
import { hostname } from 'node:os';
import type { Counter } from 'prom-client';
import { INGEST_STATS_MEASUREMENT } from '../contracts/influx-schema.ts';
import type { InfluxHttp } from '../platform/influx-http.ts';
import type { Logger } from '../platform/logger.ts';
import type { IngestMetrics } from './metrics.ts';

type Outcome = (typeof INGEST_STATS_MEASUREMENT.outcomes)[number];

/** Current totals per `outcome|code` key, from the ingest counters. */
export async function ingestTotals(metrics: IngestMetrics): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  const sum = async (outcome: Outcome, counter: Counter<string>, byCode: boolean) => {
    for (const v of (await counter.get()).values) {
      const key = `${outcome}|${byCode ? String(v.labels['code'] ?? 'none') : 'none'}`;
      totals.set(key, (totals.get(key) ?? 0) + v.value);
    }
  };
  await sum('stored', metrics.stored as Counter<string>, false);
  await sum('rejected', metrics.rejected as Counter<string>, true);
  await sum('duplicate', metrics.duplicates as Counter<string>, false);
  return totals;
}

/** Line protocol for the deltas between two totals; keys with no change produce no point. */
export function statsLines(previous: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>, opts: { instance: string; intervalS: number; atMs: number }): string[] {
  const lines: string[] = [];
  const escapeTag = (v: string) => v.replace(/[,= \\]/g, (c) => `\\${c}`);
  for (const [key, total] of current) {
    const delta = total - (previous.get(key) ?? 0);
    if (delta <= 0) continue;
    const [outcome, code] = key.split('|') as [string, string];
    lines.push(
      `${INGEST_STATS_MEASUREMENT.name},code=${escapeTag(code)},instance=${escapeTag(opts.instance)},outcome=${outcome} ` +
        `count=${Math.round(delta)}i,intervalS=${opts.intervalS}i ${BigInt(opts.atMs) * 1_000_000n}`,
    );
  }
  return lines;
}

/**
 * Starts reporting. The counters may already hold counts from an earlier ingest in the same process (they live as
 * long as the process): those were reported then, so the baseline is whatever the counters say at start.
 */
export async function startStatsReporter(deps: { influx: Pick<InfluxHttp, 'write'>; metrics: IngestMetrics; intervalMs: number; logger: Logger; instance?: string; clock?: () => number }): Promise<{ close(): Promise<void> }> {
  const instance = deps.instance ?? hostname();
  const clock = deps.clock ?? Date.now;
  let reported = await ingestTotals(deps.metrics);
  let running: Promise<void> = Promise.resolve();
  const report = async () => {
    const current = await ingestTotals(deps.metrics);
    const lines = statsLines(reported, current, { instance, intervalS: Math.round(deps.intervalMs / 1000), atMs: clock() });
    if (lines.length === 0) return;
    try {
      await deps.influx.write(lines.join('\n'));
      reported = current; // only now: a failed write carries its counts into the next interval
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message }, 'ingest_stats not written; counts carried to the next interval');
    }
  };
  const timer = setInterval(() => {
    running = running.then(report);
  }, deps.intervalMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
      await report().catch(() => undefined);
    },
  };
}
