import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.ts';
import { createIngestMetrics } from './metrics.ts';
import { ingestTotals, startStatsReporter, statsLines } from './stats-reporter.ts';

describe('ingest_stats', () => {
  it('turns counter totals into one point per non-zero (outcome, code) delta', async () => {
    const metrics = createIngestMetrics(new Registry());
    metrics.stored.inc({ kind: 'bin_sensor' }, 3);
    metrics.stored.inc({ kind: 'water_probe' }, 2);
    metrics.rejected.inc({ code: 'SCHEMA_INVALID' }, 4);
    const first = await ingestTotals(metrics);
    expect(first.get('stored|none')).toBe(5);
    expect(first.get('rejected|SCHEMA_INVALID')).toBe(4);
    expect(statsLines(new Map(), first, { instance: 'ingest 1', intervalS: 10, atMs: 1_700_000_000_000 }).sort()).toEqual([
      'ingest_stats,code=SCHEMA_INVALID,instance=ingest\\ 1,outcome=rejected count=4i,intervalS=10i 1700000000000000000',
      'ingest_stats,code=none,instance=ingest\\ 1,outcome=stored count=5i,intervalS=10i 1700000000000000000',
    ]);
    metrics.duplicates.inc(2);
    metrics.stored.inc({ kind: 'bin_sensor' }, 1);
    const second = await ingestTotals(metrics);
    expect(statsLines(first, second, { instance: 'i', intervalS: 10, atMs: 0 }).sort()).toEqual([
      'ingest_stats,code=none,instance=i,outcome=duplicate count=2i,intervalS=10i 0',
      'ingest_stats,code=none,instance=i,outcome=stored count=1i,intervalS=10i 0',
    ]);
  });

  it('carries counts into the next interval when a write fails, and writes the rest on close', async () => {
    const metrics = createIngestMetrics(new Registry());
    const written: string[] = [];
    let fail = true;
    const influx = { write: async (l: string) => { if (fail) throw new Error('down'); written.push(l); } };
    metrics.stored.inc({ kind: 'water_probe' }, 100); // counted before this reporter started: not its to report
    const reporter = await startStatsReporter({ influx, metrics, intervalMs: 20, logger: silentLogger, instance: 'x', clock: () => 0 });
    metrics.stored.inc({ kind: 'bin_sensor' }, 7);
    await new Promise((r) => setTimeout(r, 70));
    expect(written).toEqual([]);
    fail = false;
    await reporter.close();
    expect(written.join('\n')).toContain('outcome=stored count=7i');
  });
});
