import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceErrorMessage } from '../contracts/device-errors.ts';
import type { DeviceDirectory } from '../contracts/registry.ts';
import { DEVICE_KINDS } from '../contracts/telemetry.ts';
import { createInfluxHttp, seriesRows, type InfluxHttp } from '../platform/influx-http.ts';
import { startInfluxd, type LocalInfluxd } from '../platform/influxd.ts';
import { silentLogger } from '../platform/logger.ts';
import { openDatabase } from '../platform/sqlite.ts';
import { createCompletenessReader, createCompletenessTracker } from './completeness-store.ts';
import { createIngest } from './create-ingest.ts';
import { openSpool } from './spool/spool.ts';
import { createDeadLetterStore } from './dead-letters.ts';
import type { IncomingMessage } from './incoming-message.ts';
import { createInfluxSink } from './influx-sink.ts';
import { createIngestMetrics } from './metrics.ts';
import { DEVICES, LIMITS, NOW_MS, READINGS, directoryOf, message, telemetryTopic } from './test-fixtures.ts';
import { toLineProtocol } from './to-point.ts';

let influxd: LocalInfluxd;
let dataDir: string;
let dbCount = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vw-'));
  influxd = await startInfluxd({ dataDir });
});
afterAll(async () => {
  await influxd?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function* sourceOf(messages: IncomingMessage[]): AsyncIterable<IncomingMessage> {
  for (const m of messages) yield m;
}

/**
 * One pipeline over a fresh database: a spool in a temporary directory, real influxd sink, in-memory SQLite dead
 * letters and completeness, recorded error publishes. `run()` consumes the messages, lets the spool drain into
 * InfluxDB and closes the spool, as a graceful stop does.
 */
async function pipeline(
  messages: IncomingMessage[],
  opts: { directory?: DeviceDirectory; publishFails?: boolean; spoolDir?: string; db?: string; influxDown?: () => boolean } = {},
) {
  const real = createInfluxHttp({ url: influxd.url, db: opts.db ?? `ingest_${++dbCount}` });
  if (!opts.db) await real.exec(`CREATE DATABASE ${real.target.db}`);
  const http: InfluxHttp = opts.influxDown
    ? { ...real, write: (body) => (opts.influxDown?.() ? Promise.reject(new Error('connect ECONNREFUSED')) : real.write(body)) }
    : real;
  const registry = new Registry();
  const metrics = createIngestMetrics(registry);
  const sink = createInfluxSink({ http, batchSize: 100, flushIntervalMs: 20, logger: silentLogger, metrics, retry: { initialMs: 10, maxMs: 50 } });
  const sqlite = openDatabase(':memory:');
  const deadLetters = createDeadLetterStore(sqlite, { limit: 100 });
  const completeness = createCompletenessTracker(sqlite, { timeZone: 'Asia/Shanghai' });
  const spoolDir = opts.spoolDir ?? mkdtempSync(join(dataDir, 'spool-'));
  const spool = await openSpool({ dir: spoolDir, maxBytes: 1 << 20, logger: silentLogger });
  const published: { deviceId: string; msg: DeviceErrorMessage }[] = [];
  const ingest = createIngest({
    directory: opts.directory ?? directoryOf(...Object.values(DEVICES)),
    spool,
    sink,
    deadLetters,
    publishError: async (deviceId, msg) => {
      if (opts.publishFails) throw new Error('broker away');
      published.push({ deviceId, msg });
    },
    clock: () => NOW_MS,
    limits: LIMITS,
    logger: silentLogger,
    metrics,
    completeness,
  });
  const feeding = ingest.feed();
  const run = async (drainMs = 10_000) => {
    await ingest.consume(sourceOf(messages));
    const drained = await ingest.stopFeeding(drainMs);
    await spool.close();
    await feeding;
    completeness.flush();
    return drained;
  };
  return { http: real, registry, metrics, sink, deadLetters, published, ingest, run, spoolDir, completeness: createCompletenessReader(sqlite) };
}

async function rows(http: InfluxHttp, measurement: string) {
  const [series] = await http.query(`SELECT * FROM "${measurement}"`);
  return series ? seriesRows(series) : [];
}

const metricValue = async (registry: Registry, name: string, labels: Record<string, string> = {}) => {
  const metric = await registry.getSingleMetric(name)?.get();
  const match = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return match?.value ?? 0;
};

describe('createIngest', () => {
  it('stores a valid reading of every kind with registry tags and typed fields', async () => {
    const p = await pipeline(DEVICE_KINDS.map((k) => message(telemetryTopic(DEVICES[k].id), READINGS[k])));
    await p.run();
    for (const kind of DEVICE_KINDS) {
      expect(await rows(p.http, kind)).toHaveLength(1);
      expect(await metricValue(p.registry, 'vectorwatch_ingest_stored_total', { kind })).toBe(1);
    }
    const [rodent] = await rows(p.http, 'rodent_station');
    expect(rodent).toEqual({
      time: Date.parse('2025-06-01T07:59:00+08:00'), // epoch=ms: the seq nanoseconds are below the query precision
      contractor: 'acme-pest',
      device: 'rs-001',
      district: 'yuexiu',
      site: 'yx-market-01',
      seq: 41,
      battery: 87.5,
      rssi: -71,
      periodS: 3600,
      visits: 3,
      caught: 1,
      baitPct: 62,
      lidOpen: false,
    });
    const [mosquito] = await rows(p.http, 'mosquito_trap');
    expect(mosquito).toMatchObject({ bySpecies_culex: 9, bySpecies_aedes: 3, females: 12 });
    const [sticky] = await rows(p.http, 'sticky_trap');
    expect(sticky).toMatchObject({ target: 'cockroach', bySpecies_blattella: 15 });
    expect(p.ingest.stats()).toEqual({ received: 5, accepted: 5, stored: 5, rejected: 0, duplicates: 0, ignored: 0, pending: 0 });
    expect(p.published).toEqual([]);
    expect(p.deadLetters.count()).toBe(0);
  });

  it('refuses an invalid reading: error published with its code, dead-lettered, nothing stored; other devices unaffected', async () => {
    const bad = { ...READINGS.rodent_station, seq: 42, visits: -3 };
    const badMsg = message(telemetryTopic('rs-001'), bad);
    const p = await pipeline([
      badMsg,
      message(telemetryTopic('bs-001'), READINGS.bin_sensor),
      message(telemetryTopic('ghost-1'), READINGS.rodent_station),
      message(telemetryTopic('rs-001'), '{nope'),
      message('devices/rs-001/status', '{"online":true}'),
      message(telemetryTopic('wp-001'), READINGS.water_probe),
    ]);
    await p.run();

    expect(await rows(p.http, 'rodent_station')).toEqual([]);
    expect(await rows(p.http, 'bin_sensor')).toHaveLength(1);
    expect(await rows(p.http, 'water_probe')).toHaveLength(1);
    expect(p.published.map((e) => [e.deviceId, e.msg.code, e.msg.seq])).toEqual([
      ['rs-001', 'SCHEMA_INVALID', 42],
      ['ghost-1', 'UNKNOWN_DEVICE', null],
      ['rs-001', 'INVALID_JSON', null],
    ]);
    expect(p.published[0]?.msg.issues).toEqual([{ path: 'visits', message: 'Too small: expected number to be >=0' }]);

    const letters = p.deadLetters.list();
    expect(letters.map((d) => d.code)).toEqual(['INVALID_JSON', 'UNKNOWN_DEVICE', 'SCHEMA_INVALID']);
    expect(letters[2]).toMatchObject({ deviceId: 'rs-001', topic: 'devices/rs-001/telemetry', payload: badMsg.payload.toString('base64') });
    expect(p.ingest.stats()).toEqual({ received: 6, accepted: 2, stored: 2, rejected: 3, duplicates: 0, ignored: 1, pending: 0 });
    expect(await metricValue(p.registry, 'vectorwatch_ingest_rejected_total', { code: 'SCHEMA_INVALID' })).toBe(1);
    expect(await metricValue(p.registry, 'vectorwatch_ingest_ignored_total', { reason: 'WRONG_TOPIC' })).toBe(1);
    expect(await metricValue(p.registry, 'vectorwatch_ingest_received_total')).toBe(6);
  });

  it('stores a redelivered reading once and counts the duplicate', async () => {
    const msg = message(telemetryTopic('rs-001'), READINGS.rodent_station);
    const next = message(telemetryTopic('rs-001'), { ...READINGS.rodent_station, seq: 43 });
    const p = await pipeline([msg, msg, next, msg]);
    await p.run();
    expect(await rows(p.http, 'rodent_station')).toHaveLength(2);
    expect(p.ingest.stats()).toMatchObject({ received: 4, stored: 2, duplicates: 2 });
    expect(await metricValue(p.registry, 'vectorwatch_ingest_duplicates_total')).toBe(2);
  });

  it('dead-letters a valid reading InfluxDB refuses as STORE_REJECTED, without telling the device', async () => {
    const p = await pipeline([message(telemetryTopic('wp-001'), READINGS.water_probe)]);
    // Make `ph` an integer field in that shard first: the reading's float `ph` now conflicts.
    const tsMs = Date.parse(READINGS.water_probe.ts as string);
    const conflicting = toLineProtocol({ ...READINGS.water_probe, seq: 999 }, DEVICES.water_probe, tsMs).replace('ph=7,', 'ph=7i,');
    expect(conflicting).toContain(',ph=7i,');
    await p.http.write(conflicting);
    await p.run();
    expect(p.deadLetters.list().map((d) => [d.code, d.deviceId])).toEqual([['STORE_REJECTED', 'wp-001']]);
    expect(p.deadLetters.list()[0]?.message).toContain('field type conflict');
    expect(Buffer.from(p.deadLetters.list()[0]!.payload, 'base64').toString()).toMatch(/^water_probe,/); // the line
    expect(p.published).toEqual([]);
    expect(p.ingest.stats()).toMatchObject({ stored: 0, rejected: 1 });
    expect(await metricValue(p.registry, 'vectorwatch_ingest_rejected_total', { code: 'STORE_REJECTED' })).toBe(1);
  });

  it('survives a failing error publish and a throwing registry, and keeps going', async () => {
    const healthy = directoryOf(...Object.values(DEVICES));
    const directory: DeviceDirectory = {
      getDevice: (id) => {
        if (id === 'boom-1') throw new Error('SQLITE_BUSY');
        return healthy.getDevice(id);
      },
    };
    const p = await pipeline(
      [
        message(telemetryTopic('boom-1'), READINGS.rodent_station),
        message(telemetryTopic('rs-001'), 'garbage'),
        message(telemetryTopic('rs-001'), READINGS.rodent_station),
      ],
      { directory, publishFails: true },
    );
    await p.run();
    expect(await rows(p.http, 'rodent_station')).toHaveLength(1);
    expect(p.ingest.stats()).toMatchObject({ received: 3, stored: 1, rejected: 1, ignored: 1 });
    expect(await metricValue(p.registry, 'vectorwatch_ingest_ignored_total', { reason: 'INTERNAL_ERROR' })).toBe(1);
  });

  it('acknowledges each message only once it is decided, and a duplicate only once its first copy is durable', async () => {
    const acked: string[] = [];
    const msgs = [
      message(telemetryTopic('rs-001'), READINGS.rodent_station),
      message(telemetryTopic('rs-001'), READINGS.rodent_station),
      message(telemetryTopic('rs-001'), '{bad'),
    ].map((m, i) => ({ ...m, ack: () => acked.push(`m${i}`) }));
    const p = await pipeline(msgs);
    await p.run();
    expect(acked.sort()).toEqual(['m0', 'm1', 'm2']);
    expect(p.ingest.stats()).toMatchObject({ accepted: 1, duplicates: 1, rejected: 1, stored: 1 });
  });

  it('keeps readings in the spool while InfluxDB is down and stores them once, in order, after a restart', async () => {
    const db = `ingest_${++dbCount}`;
    await createInfluxHttp({ url: influxd.url, db }).exec(`CREATE DATABASE ${db}`);
    const readings = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => message(telemetryTopic('rs-001'), { ...READINGS.rodent_station, seq: from + i }));
    // First run: InfluxDB unreachable; the stop gives up feeding after 200 ms and leaves the readings on disk.
    const down = await pipeline(readings(1, 50), { db, influxDown: () => true });
    expect(await down.run(200)).toBe(false);
    expect(down.ingest.stats()).toMatchObject({ accepted: 50, stored: 0, pending: 50 });
    expect(await rows(down.http, 'rodent_station')).toEqual([]);
    // Second run on the same spool: the backlog first, then new readings (one of them an old one, redelivered).
    const up = await pipeline([...readings(51, 60), ...readings(50, 50)], { db, spoolDir: down.spoolDir });
    expect(await up.run()).toBe(true);
    const seqs = (await rows(up.http, 'rodent_station')).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(up.ingest.stats()).toMatchObject({ accepted: 11, stored: 61, pending: 0 });
    expect(up.completeness.days('rs-001', '2025-06-01', '2025-06-01')).toEqual([
      { day: '2025-06-01', received: 60, expected: 60, missing: 0, gaps: 0, epochs: 1 },
    ]);
  });
});
