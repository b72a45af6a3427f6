/**
 * Test harness: the real stack (real influxd on a free port with a temporary data dir, the aedes broker on port 0
 * over TCP, ingest, the HTTP API on port 0) plus helpers to act as devices with real MQTT clients.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { loadConfig } from '../contracts/config.ts';
import type { DeviceCredential, DeviceRegistrationInput } from '../contracts/registry.ts';
import { silentLogger } from '../platform/logger.ts';
import { seriesRows } from '../platform/influx-http.ts';
import { startStack, type Stack } from '../stack/start-stack.ts';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestStack extends Stack {
  dataDir: string;
  register(reg: DeviceRegistrationInput): Promise<DeviceCredential>;
  connectDevice(cred: DeviceCredential, opts?: mqtt.IClientOptions): Promise<MqttClient>;
  /** InfluxQL rows of the first series. */
  rows(q: string): Promise<Record<string, unknown>[]>;
  /** Polls an InfluxQL query until it returns at least `n` rows (or the deadline passes); returns the rows. */
  waitForRows(q: string, n: number, opts?: { timeoutMs?: number; intervalMs?: number }): Promise<Record<string, unknown>[]>;
  /** Polls until fn returns a truthy value or the deadline passes; returns the last value. */
  waitFor<T>(fn: () => Promise<T> | T, opts?: { timeoutMs?: number; intervalMs?: number }): Promise<T>;
  stop(): Promise<void>;
}

export async function startTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vw-e2e-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    MQTT_PORT: '0',
    HTTP_PORT: '0',
    SIM_DEVICES: '0',
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    INGEST_FLUSH_INTERVAL_MS: '50',
    INGEST_STATS_INTERVAL_MS: '200',
    ...env,
  });
  const stack = await startStack({ config, logger: silentLogger, seedDemo: true });
  const clients: MqttClient[] = [];

  const t: TestStack = Object.assign(stack, {
    dataDir,
    async register(reg: DeviceRegistrationInput) {
      const res = await fetch(`${stack.httpUrl}/api/devices`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(reg),
      });
      if (res.status !== 201) throw new Error(`register ${reg.id}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as DeviceCredential;
    },
    connectDevice(cred: DeviceCredential, opts: mqtt.IClientOptions = {}) {
      return new Promise<MqttClient>((resolve, reject) => {
        const client = mqtt.connect(stack.mqttUrl, {
          username: cred.username,
          password: cred.password,
          clientId: cred.username,
          protocolVersion: 4,
          reconnectPeriod: 0,
          connectTimeout: 5000,
          ...opts,
        });
        clients.push(client);
        client.once('connect', () => resolve(client));
        client.once('error', reject);
        client.once('close', () => reject(new Error(`connection closed before CONNACK for ${cred.username}`)));
      });
    },
    async rows(q: string) {
      const series = await stack.influx.query(q);
      return series[0] ? seriesRows(series[0]) : [];
    },
    async waitFor<T>(fn: () => Promise<T> | T, opts: { timeoutMs?: number; intervalMs?: number } = {}) {
      const deadline = Date.now() + (opts.timeoutMs ?? 5000);
      let last = await fn();
      while (!last && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
        last = await fn();
      }
      return last;
    },
    async waitForRows(q: string, n: number, opts: { timeoutMs?: number; intervalMs?: number } = {}) {
      let rows: Record<string, unknown>[] = [];
      await t.waitFor(async () => (rows = await t.rows(q)).length >= n, opts);
      return rows;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
      await stack.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
  return t;
}

/** Publishes with QoS 1 and resolves on PUBACK. */
export function publish(client: MqttClient, topic: string, payload: string | Buffer, opts: { retain?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) =>
    client.publish(topic, payload, { qos: 1, retain: opts.retain ?? false }, (err) => (err ? reject(err) : resolve())),
  );
}

/** Collects messages a client receives on topics matching a prefix. */
export function collect(client: MqttClient): { messages: { topic: string; payload: string; retain: boolean }[] } {
  const sink = { messages: [] as { topic: string; payload: string; retain: boolean }[] };
  client.on('message', (topic, payload, packet) => sink.messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain }));
  return sink;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
