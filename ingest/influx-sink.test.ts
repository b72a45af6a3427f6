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

describe('createInfluxSink: batches in flight', () => {
  /** An InfluxDB whose writes answer only when the test says so. */
  function manualHttp() {
    const calls: { lines: number; answer(): void }[] = [];
    const http = {
      write: (body: string) => new Promise<void>((resolve) => calls.push({ lines: body.split('\n').length, answer: resolve })),
    } as unknown as InfluxHttp;
    return { http, calls };
  }
  const tick = () => new Promise((r) => setImmediate(r));

  it('keeps up to maxBatchesInFlight batches in flight; a later one may settle first', async () => {
    const { http: manual, calls } = manualHttp();
    const { sink } = sinkFor(manual, { batchSize: 2, maxBatchesInFlight: 3 });
    const settled: number[] = [];
    const writes = Array.from({ length: 8 }, (_, i) => sink.write(line('window', i)).then(() => void settled.push(i)));
    await tick();
    expect(calls.map((c) => c.lines)).toEqual([2, 2, 2]);
    expect(sink.pending()).toBe(8);

    calls[1]!.answer();
    await tick();
    expect(settled).toEqual([2, 3]); // the second batch, while the first is still out
    expect(calls).toHaveLength(4); // its slot went to the fourth
    expect(sink.pending()).toBe(6);

    for (const c of calls) c.answer();
    await Promise.all(writes);
    expect(settled.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sink.pending()).toBe(0);
    await sink.close();
  });

  it('writeLine calls back per line; flush waits for every batch in flight, whichever settles last', async () => {
    const { http: manual, calls } = manualHttp();
    const { sink } = sinkFor(manual, { batchSize: 2, maxBatchesInFlight: 3 });
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) sink.writeLine(line('cb', i), { settled: (err) => void outcomes.push(`${i}:${err ? 'err' : 'ok'}`) });
    let flushed = false;
    const flushing = sink.flush().then(() => (flushed = true));
    await tick();
    expect(calls.map((c) => c.lines)).toEqual([2, 2, 1]); // the partial batch goes out too: flush made it due
    calls[2]!.answer();
    calls[1]!.answer();
    await tick();
    expect(flushed).toBe(false);
    expect(outcomes).toEqual(['4:ok', '2:ok', '3:ok']);
    calls[0]!.answer();
    await flushing;
    expect(outcomes.slice(3)).toEqual(['0:ok', '1:ok']);
    await sink.close();
    const late: (Error | undefined)[] = [];
    sink.writeLine(line('cb', 9), { settled: (err) => void late.push(err) });
    expect(late[0]?.message).toMatch('closed');
  });

  it('beside a batch in flight, a partial batch whose timer ran out waits; a full one goes out', async () => {
    const { http: manual, calls } = manualHttp();
    const { sink } = sinkFor(manual, { batchSize: 3, maxBatchesInFlight: 2, flushIntervalMs: 5 });
    const first = [0, 1, 2].map((i) => sink.write(line('trickle', i)));
    await tick();
    expect(calls.map((c) => c.lines)).toEqual([3]);
    const partial = sink.write(line('trickle', 3));
    await new Promise((r) => setTimeout(r, 30)); // its timer ran out several times over
    expect(calls).toHaveLength(1);
    const rest = [4, 5].map((i) => sink.write(line('trickle', i)));
    await tick();
    expect(calls.map((c) => c.lines)).toEqual([3, 3]); // full now: the second slot takes it
    for (const c of calls) c.answer();
    await Promise.all([...first, partial, ...rest]);
    await sink.close();
  });

  it('maxBatchesInFlight 1 sends one batch at a time', async () => {
    const { http: manual, calls } = manualHttp();
    const { sink } = sinkFor(manual, { batchSize: 2, maxBatchesInFlight: 1 });
    const writes = Array.from({ length: 4 }, (_, i) => sink.write(line('one', i)));
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]!.answer();
    await tick();
    expect(calls).toHaveLength(2);
    calls[1]!.answer();
    await Promise.all(writes);
    await sink.close();
  });

  it('abandon() rejects the lines of every batch in flight and the queue', async () => {
    const { http: manual, calls } = manualHttp();
    const { sink } = sinkFor(manual, { batchSize: 2, maxBatchesInFlight: 2 });
    const writes = Array.from({ length: 6 }, (_, i) => sink.write(line('abandon', i)));
    await tick();
    expect(calls).toHaveLength(2);
    sink.abandon();
    const results = await Promise.allSettled(writes);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(sink.pending()).toBe(0);
    for (const c of calls) c.answer();
    await tick();
    expect(calls).toHaveLength(2);
  });
});
