import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInfluxHttp, InfluxWriteError, type InfluxHttp } from '../platform/influx-http.ts';
import { startInfluxd, type LocalInfluxd } from '../platform/influxd.ts';
import { silentLogger } from '../platform/logger.ts';
import { createInfluxSink, type InfluxSinkOptions } from './influx-sink.ts';
import { createIngestMetrics } from './metrics.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'vw-'));
  dirs.push(d);
  return d;
};

/** The real client, recording how many lines each /write carried. */
function recording(http: InfluxHttp): InfluxHttp & { batches: number[] } {
  const batches: number[] = [];
  const write: InfluxHttp['write'] = (lines, o) => {
    batches.push(lines.split('\n').length);
    return http.write(lines, o);
  };
  return { ...http, target: http.target, batches, write };
}

async function countOf(http: InfluxHttp, field: string, measurement: string): Promise<number> {
  const [series] = await http.query(`SELECT count("${field}") FROM "${measurement}"`);
  return Number(series?.values[0]?.[1] ?? 0);
}

function sinkFor(http: InfluxHttp, over: Partial<InfluxSinkOptions> = {}) {
  const metrics = createIngestMetrics(new Registry());
  const sink = createInfluxSink({ http, batchSize: 100, flushIntervalMs: 60_000, logger: silentLogger, metrics, ...over });
  return { sink, metrics };
}

const T0 = 1_748_735_940_000_000_000n;
const line = (m: string, i: number, field = `v=${i}`) => `${m},device=d-${i % 3} ${field} ${T0 + BigInt(i)}`;

let influxd: LocalInfluxd;
let http: InfluxHttp;

beforeAll(async () => {
  influxd = await startInfluxd({ dataDir: tempDir() });
  http = createInfluxHttp({ url: influxd.url, db: 'sink_test' });
  await http.exec('CREATE DATABASE sink_test');
});

afterAll(async () => {
  await influxd?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('createInfluxSink (real influxd)', () => {
  it('sends a batch as soon as batchSize lines are queued, without waiting for the timer', async () => {
    const rec = recording(http);
    const { sink, metrics } = sinkFor(rec, { batchSize: 5 });
    const writes = Array.from({ length: 10 }, (_, i) => sink.write(line('by_size', i)));
    await Promise.all(writes);
    expect(rec.batches).toEqual([5, 5]);
    expect(await countOf(http, 'v', 'by_size')).toBe(10);
    expect((await metrics.batchLatency.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value).toBe(2);

    // Fewer than batchSize wait for the timer (60 s here) or flush().
    const rest = [sink.write(line('by_size', 10)), sink.write(line('by_size', 11))];
    await new Promise((r) => setTimeout(r, 100));
    expect(sink.pending()).toBe(2);
    expect((await metrics.pendingPoints.get()).values[0]?.value).toBe(2);
    await sink.flush();
    await Promise.all(rest);
    expect(rec.batches).toEqual([5, 5, 2]);
    expect(sink.pending()).toBe(0);
    await sink.close();
  });

  it('sends a partial batch flushIntervalMs after the first line', async () => {
    const rec = recording(http);
    const { sink } = sinkFor(rec, { batchSize: 1000, flushIntervalMs: 50 });
    const started = Date.now();
    await Promise.all([0, 1, 2].map((i) => sink.write(line('by_time', i))));
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(rec.batches).toEqual([3]);
    expect(await countOf(http, 'v', 'by_time')).toBe(3);
    await sink.close();
  });

  it('rejects only the lines InfluxDB refuses (field type conflict); the rest of the batch is stored', async () => {
    const { sink } = sinkFor(http, { batchSize: 1000 });
    const first = sink.write(line('conflict', 0, 'f=1.5'));
    await sink.flush();
    await first;
    const writes = [1, 2, 3, 4, 5, 6].map((i) => sink.write(line('conflict', i, i === 4 ? 'f=7i' : `f=${i}.5`)));
    await sink.flush();
    const results = await Promise.allSettled(writes);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const reason = (results[3] as PromiseRejectedResult).reason as unknown;
    expect(reason).toBeInstanceOf(InfluxWriteError);
    expect((reason as InfluxWriteError).failure).toBe('rejected');
    expect((reason as InfluxWriteError).status).toBe(400);
    expect(await countOf(http, 'f', 'conflict')).toBe(6);
    await sink.close();
  });

  it('close() flushes what is queued and refuses later writes', async () => {
    const { sink } = sinkFor(http, { batchSize: 1000 });
    const w = sink.write(line('on_close', 1));
    await sink.close();
    await w;
    expect(await countOf(http, 'v', 'on_close')).toBe(1);
    await expect(sink.write(line('on_close', 2))).rejects.toThrow('closed');
  });

  it('holds lines through an InfluxDB crash and writes each exactly once after restart, counting retries', async () => {
    const dataDir = tempDir();
    const first = await startInfluxd({ dataDir });
    const outageHttp = createInfluxHttp({ url: first.url, db: 'outage' });
    await outageHttp.exec('CREATE DATABASE outage');
    const { sink, metrics } = sinkFor(outageHttp, { batchSize: 10, flushIntervalMs: 20, retry: { initialMs: 20, maxMs: 100 } });
    await first.kill();

    let settled = 0;
    const writes = Array.from({ length: 50 }, (_, i) => sink.write(line('outage', i)).finally(() => settled++));
    await new Promise((r) => setTimeout(r, 500));
    expect(settled).toBe(0);
    expect(sink.pending()).toBe(50);
    const retriesDuringOutage = (await metrics.writeRetries.get()).values[0]?.value ?? 0;
    expect(retriesDuringOutage).toBeGreaterThan(2);

    const second = await startInfluxd({ dataDir, port: first.port });
    try {
      await Promise.all(writes);
      expect(sink.pending()).toBe(0);
      expect(await countOf(outageHttp, 'v', 'outage')).toBe(50);
      const [series] = await outageHttp.query('SELECT "v" FROM "outage"');
      const values = series?.values.map((row) => row[1]) ?? [];
      expect(new Set(values).size).toBe(50);
      await sink.close();
    } finally {
      await second.stop();
    }
  });
});
