/**
 * The deployment shape of docker-compose, without an engine: broker, ingest, rules and API as separate processes
 * (`node broker/main.ts`, `node ingest/main.ts`, `node rules/main.ts`, `node api/main.ts`) sharing one DATA_DIR
 * registry and a real influxd. Both ingest modes: embedded in the broker (the default) and separate MQTT workers.
 * A device registered through the API publishes; its reading is stored, and a water breach becomes an alert the
 * API lists.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createInfluxHttp, seriesRows } from '../platform/influx-http.ts';
import { freePort, startInfluxd, type LocalInfluxd } from '../platform/influxd.ts';

const root = new URL('..', import.meta.url).pathname;
const ADMIN = 'split-admin-token-0123456789';
const SERVICE = 'split-service-password-0123456789';
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const f of cleanups.reverse()) await f();
});

async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function service(entry: string, env: Record<string, string>, args: string[] = []): { proc: ChildProcess; output: () => string } {
  let out = '';
  const proc = spawn(process.execPath, [entry, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  children.push(proc);
  return { proc, output: () => out };
}

async function deployment(mode: 'embedded' | 'mqtt') {
  const dataDir = mkdtempSync(join(tmpdir(), `vw-split-${mode}-`));
  const influxd: LocalInfluxd = await startInfluxd({ dataDir: join(dataDir, 'influxdb') });
  cleanups.push(async () => {
    await influxd.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const env = {
    DATA_DIR: dataDir, MQTT_PORT: String(mqttPort), HTTP_PORT: String(httpPort), INFLUX_URL: influxd.url, ADMIN_TOKEN: ADMIN,
    MQTT_SERVICE_PASSWORD: SERVICE, INGEST_MODE: mode, LOG_LEVEL: 'warn', SIM_DEVICES: '0', RULES_TICK_MS: '500',
  };
  const procs = [service('broker/main.ts', env)];
  // The API creates the registry schema; the demo reference data comes from the operator CLI, as in a deployment.
  const seed = service('registry/cli.ts', env, ['seed-demo']);
  await new Promise((r) => seed.proc.once('exit', r));
  procs.push(service('api/main.ts', env), service('rules/main.ts', env));
  if (mode === 'mqtt') procs.push(service('ingest/main.ts', { ...env, DATA_DIR: dataDir }));
  const http = `http://127.0.0.1:${httpPort}`;
  await until(async () => (await fetch(`${http}/health`)).status > 0, 30_000, `api on ${http}\n${procs.map((p) => p.output()).join('\n')}`);
  await until(
    () => new Promise<boolean>((resolve) => {
      const c = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { username: 'svc:api', password: SERVICE, clientId: 'svc:api-probe', reconnectPeriod: 0 });
      c.once('connect', () => { c.end(true); resolve(true); });
      c.once('error', () => { c.end(true); resolve(false); });
    }),
    30_000, `broker on ${mqttPort}\n${procs.map((p) => p.output()).join('\n')}`,
  );
  return { http, mqttPort, influx: createInfluxHttp({ url: influxd.url, db: 'vectorwatch' }), procs };
}

const api = async (http: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${http}${path}`, {
    method, headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : null,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe.each(['embedded', 'mqtt'] as const)('separate processes, INGEST_MODE=%s', (mode) => {
  it('stores a device reading and turns a water breach into an alert the API lists', async () => {
    const d = await deployment(mode);
    const seeded = await api(d.http, 'GET', '/api/sites');
    expect((seeded.body.sites as unknown[]).length).toBeGreaterThan(0);
    const reg = await api(d.http, 'POST', '/api/devices', { id: `split-wp-${mode}`, kind: 'water_probe', siteId: 'th-water-liede', samplingPoint: 'tap' });
    expect(reg.status).toBe(201);
    const { username, password } = reg.body as { username: string; password: string };
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${d.mqttPort}`, { username, password, clientId: username, reconnectPeriod: 0 });
    const reading = (seq: number, chlorine: number) => JSON.stringify({ v: 1, kind: 'water_probe', seq, ts: Date.now() - 100, ph: 7.2, turbidityNtu: 0.2, freeChlorineMgL: chlorine });
    await device.publishAsync(`devices/${username}/telemetry`, reading(1, 0.4), { qos: 1 });
    await device.publishAsync(`devices/${username}/telemetry`, reading(2, 2.5), { qos: 1 });

    const rows = await until(async () => {
      const series = await d.influx.query(`SELECT seq, freeChlorineMgL FROM water_probe WHERE device = '${username}'`);
      const r = series[0] ? seriesRows(series[0]) : [];
      return r.length === 2 ? r : undefined;
    }, 15_000, 'stored readings');
    expect(rows.map((r) => r.seq)).toEqual([1, 2]);

    const alerts = await until(async () => {
      const res = await api(d.http, 'GET', '/api/alerts?state=open');
      const list = (res.body.alerts as { deviceId?: string; kind: string }[]).filter((a) => a.deviceId === username);
      return list.length > 0 ? list : undefined;
    }, 15_000, 'water alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'water' });
    await device.endAsync();

    for (const p of d.procs) p.proc.kill('SIGTERM');
    const codes = await Promise.all(d.procs.map((p) => (p.proc.exitCode !== null ? p.proc.exitCode : new Promise((r) => p.proc.once('exit', r)))));
    expect(codes).toEqual(d.procs.map(() => 0));
  }, 90_000);
});
