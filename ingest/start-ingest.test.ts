import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../contracts/config.ts';
import { createInfluxHttp, type InfluxHttp } from '../platform/influx-http.ts';
import { startInfluxd, type LocalInfluxd } from '../platform/influxd.ts';
import { silentLogger } from '../platform/logger.ts';
import { openDatabase } from '../platform/sqlite.ts';
import { INGEST_PRINCIPAL, startIngest } from './start-ingest.ts';
import { startTestBroker, subscribed, waitFor, type TestBroker } from './test-broker.ts';
import { DEVICES, READINGS, directoryOf, telemetryTopic } from './test-fixtures.ts';

const SERVICE_PASSWORD = 'correct-horse-battery-staple';

let influxd: LocalInfluxd;
let dataDir: string;
let broker: TestBroker;
let influx: InfluxHttp;
let device: MqttClient;
const logins: { clientId: string; username: string | undefined; ok: boolean }[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vw-'));
  influxd = await startInfluxd({ dataDir });
  // The database does not exist yet: startIngest must create it.
  influx = createInfluxHttp({ url: influxd.url, db: 'vw_start' });
  broker = await startTestBroker({
    aedes: {
      // Only the service principal needs a password here; device auth is the broker module's business.
      authenticate: (client, username, password, done) => {
        const isService = username === INGEST_PRINCIPAL;
        const ok = !isService || (client.id === INGEST_PRINCIPAL && password?.toString() === SERVICE_PASSWORD);
        logins.push({ clientId: client.id, username, ok });
        done(null, ok);
      },
    },
  });
  device = await connectAsync(broker.url, { clientId: 'rs-001', protocolVersion: 4, reconnectPeriod: 0 });
  await device.subscribeAsync('devices/rs-001/errors', { qos: 1 });
});

afterAll(async () => {
  await device?.endAsync(true);
  await broker?.close();
  await influxd?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const ts = (seq: number) => Date.now() - 60_000 + seq;
const reading = (seq: number) => JSON.stringify({ ...READINGS.rodent_station, seq, ts: ts(seq) });

async function storedCount(): Promise<number> {
  const [series] = await influx.query('SELECT count("seq") FROM "rodent_station"');
  return Number(series?.values[0]?.[1] ?? 0);
}

describe('startIngest (real aedes, real influxd)', () => {
  it('creates the database, consumes as svc:ingest, stores readings, answers rejections, survives a restart', async () => {
    const config = loadConfig({ INGEST_FLUSH_INTERVAL_MS: '20', DEAD_LETTER_LIMIT: '50' });
    const registry = new Registry();
    const db = openDatabase(':memory:');
    const directory = directoryOf(...Object.values(DEVICES));
    const mqtt = { url: broker.url, servicePassword: SERVICE_PASSWORD };
    const deps = { mqtt, spoolDir: join(dataDir, 'spool'), influx, directory, db, config, logger: silentLogger, registry };
    const errors: { code: string; seq: number | null }[] = [];
    device.on('message', (_t, p) => errors.push(JSON.parse(p.toString()) as { code: string; seq: number | null }));

    const ready = subscribed(broker.aedes, 'devices/+/telemetry');
    const first = await startIngest(deps);
    await ready;
    expect(first.connected()).toBe(true);
    expect(logins).toContainEqual({ clientId: INGEST_PRINCIPAL, username: INGEST_PRINCIPAL, ok: true });

    const one = reading(1);
    await device.publishAsync(telemetryTopic('rs-001'), one, { qos: 1 });
    await device.publishAsync(telemetryTopic('rs-001'), '{"v":1,"seq":2', { qos: 1 });
    await device.publishAsync(telemetryTopic('rs-001'), one, { qos: 1 }); // a retransmission
    await waitFor(() => first.stats().stored === 1 && first.stats().duplicates === 1 && errors.length === 1, 5000, 'stored, duplicate, rejected');
    expect(await storedCount()).toBe(1);
    expect(errors).toEqual([expect.objectContaining({ code: 'INVALID_JSON', seq: null })]);
    expect(first.deadLetters.list().map((d) => d.code)).toEqual(['INVALID_JSON']);
    expect(first.stats()).toEqual({ received: 3, accepted: 1, stored: 1, rejected: 1, duplicates: 1, ignored: 0, pending: 0 });
    expect(first.health()).toMatchObject({ status: 'up', mode: 'mqtt', spool: { records: 0, full: false } });

    // Stopped: the broker keeps the session and queues what devices publish meanwhile.
    await first.close();
    expect(first.connected()).toBe(false);
    await device.publishAsync(telemetryTopic('rs-001'), reading(3), { qos: 1 });
    await device.publishAsync(telemetryTopic('rs-001'), reading(4), { qos: 1 });

    // Same metrics registry and database: a composition root restarting ingest in one process.
    const second = await startIngest(deps);
    await waitFor(async () => (await storedCount()) === 3, 5000, 'queued readings stored');
    // InfluxDB can show the points a moment before the sink's write call returns and counts them.
    await waitFor(async () => second.stats().stored === 2, 5000, 'stored readings counted');
    expect(second.stats()).toMatchObject({ received: 2, stored: 2 });
    expect((await registry.getSingleMetric('vectorwatch_ingest_received_total')?.get())?.values[0]?.value).toBe(5);
    expect(second.deadLetters.count()).toBe(1);
    await second.close();
  });
});
