/**
 * Growth past one machine: two ingest workers share the telemetry through an MQTT 5 shared subscription
 * (`$share/ingest/devices/+/telemetry`) on a real Mosquitto (Debian package; aedes has no shared subscriptions),
 * each with its own spool, writing to one real influxd. Every reading is stored exactly once, and both workers
 * carry part of the load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../contracts/config.ts';
import { createInfluxHttp, seriesRows } from '../platform/influx-http.ts';
import { freePort, startInfluxd, type LocalInfluxd } from '../platform/influxd.ts';
import { silentLogger } from '../platform/logger.ts';
import { openDatabase } from '../platform/sqlite.ts';
import { openRegistry } from '../registry/registry.ts';
import { loadDemoReference } from '../registry/seed.ts';
import { startIngest, type RunningIngest } from '../ingest/start-ingest.ts';

const MOSQUITTO = '/usr/sbin/mosquitto';
const DEVICES = 4;
const PER_DEVICE = 150;

let dir: string;
let influxd: LocalInfluxd;
let mosquitto: ChildProcess;
let brokerUrl: string;
const workers: RunningIngest[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vw-scale-'));
  influxd = await startInfluxd({ dataDir: join(dir, 'influxdb') });
  const port = await freePort();
  // Mosquitto 2 as an operator would run it for this test: loopback, QoS 1 queues large enough for the burst.
  writeFileSync(join(dir, 'mosquitto.conf'), [
    `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_queued_messages 100000', 'max_inflight_messages 0', '',
  ].join('\n'));
  mosquitto = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  brokerUrl = `mqtt://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await mqtt.connectAsync(brokerUrl, { reconnectPeriod: 0, connectTimeout: 500 }).then((c) => c.endAsync().then(() => true), () => false);
    if (ok) break;
    if (i > 50) throw new Error('mosquitto did not start');
    await new Promise((r) => setTimeout(r, 100));
  }

  const registryDb = openDatabase(join(dir, 'registry.db'));
  const registry = openRegistry(registryDb);
  registry.upsertReference(loadDemoReference());
  for (let d = 0; d < DEVICES; d++) registry.registerDevice({ id: `scale-bin-${d}`, kind: 'bin_sensor', siteId: 'th-street-huacheng' });
  const influx = createInfluxHttp({ url: influxd.url, db: 'vectorwatch' });
  for (const w of [1, 2]) {
    const config = loadConfig({
      DATA_DIR: join(dir, `worker-${w}`), INGEST_MODE: 'mqtt', INGEST_SHARE_GROUP: 'ingest', INGEST_CLIENT_ID: `svc:ingest-${w}`,
      INGEST_FLUSH_INTERVAL_MS: '50', LOG_LEVEL: 'silent',
    });
    workers.push(await startIngest({
      mqtt: { url: brokerUrl, servicePassword: 'unused-by-anonymous-mosquitto' },
      influx, directory: registry, db: openDatabase(join(dir, `worker-${w}.db`)), config, logger: silentLogger, registry: new MetricsRegistry(),
    }));
  }
});

afterAll(async () => {
  for (const w of workers) await w.close().catch(() => undefined);
  mosquitto?.kill('SIGTERM');
  await influxd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ingest workers on an MQTT 5 shared subscription (Mosquitto)', () => {
  it('store every reading exactly once and share the load', async () => {
    const t0 = Date.now() - 60_000;
    const devices = await Promise.all(
      Array.from({ length: DEVICES }, (_, d) => mqtt.connectAsync(brokerUrl, { clientId: `scale-bin-${d}`, protocolVersion: 5, reconnectPeriod: 0 })),
    );
    await Promise.all(devices.map(async (c, d) => {
      for (let seq = 1; seq <= PER_DEVICE; seq++) {
        const reading = { v: 1, kind: 'bin_sensor', seq, ts: t0 + seq * 100, fillPct: seq % 100 };
        await c.publishAsync(`devices/scale-bin-${d}/telemetry`, JSON.stringify(reading), { qos: 1 });
      }
    }));
    const influx = createInfluxHttp({ url: influxd.url, db: 'vectorwatch' });
    const deadline = Date.now() + 20_000;
    let rows: Record<string, unknown>[] = [];
    while (Date.now() < deadline) {
      const series = await influx.query(`SELECT seq, device FROM bin_sensor`);
      rows = series[0] ? seriesRows(series[0]) : [];
      if (rows.length >= DEVICES * PER_DEVICE) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 500)); // any double would have landed by now
    const final = seriesRows((await influx.query(`SELECT seq, device FROM bin_sensor`))[0]!);
    expect(final).toHaveLength(DEVICES * PER_DEVICE);
    for (let d = 0; d < DEVICES; d++) {
      const seqs = final.filter((r) => r.device === `scale-bin-${d}`).map((r) => r.seq as number).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: PER_DEVICE }, (_, i) => i + 1));
    }
    const shares = workers.map((w) => w.stats().stored);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(DEVICES * PER_DEVICE);
    for (const share of shares) expect(share).toBeGreaterThan(DEVICES * PER_DEVICE * 0.1);
    await Promise.all(devices.map((c) => c.endAsync()));
  }, 60_000);
});
