/**
 * Parts for the fault-injection suite (issue 6): the stack as a real child process (`node main.ts`, so SIGKILL and
 * SIGTERM are real), a real influxd the test can kill and restart on the same data and port, a provisioned fleet, and
 * the final check of InfluxDB against what every device was acknowledged for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEVICE_KINDS } from '../../contracts/telemetry.ts';
import { planFleet } from '../../devices-sim/fleet.ts';
import type { FleetDevice } from '../../devices-sim/run-fleet.ts';
import type { SimulatedDevice } from '../../devices-sim/simulated-device.ts';
import { createInfluxHttp, seriesRows, type InfluxHttp } from '../../platform/influx-http.ts';
import { freePort, startInfluxd, type LocalInfluxd } from '../../platform/influxd.ts';
import { openDatabase } from '../../platform/sqlite.ts';
import { openRegistry } from '../../registry/registry.ts';
import { loadDemoReference } from '../../registry/seed.ts';

const REPO = resolve(import.meta.dirname, '../..');
export const ADMIN_TOKEN = 'fault-suite-admin-token-0123456789';
const SERVICE_PASSWORD = 'fault-suite-service-password-0123';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, everyMs = 250): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await check()) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface FaultWorld {
  dataDir: string;
  influxd: LocalInfluxd;
  influx: InfluxHttp;
  mqttUrl: string;
  httpUrl: string;
  env: Record<string, string>;
  restartInfluxd(): Promise<void>;
  close(): Promise<void>;
}

export async function startWorld(env: Record<string, string> = {}): Promise<FaultWorld> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vw-faults-'));
  const influxDir = join(dataDir, 'influxdb');
  const world: FaultWorld = {
    dataDir,
    influxd: await startInfluxd({ dataDir: influxDir }),
    influx: undefined as unknown as InfluxHttp,
    mqttUrl: '',
    httpUrl: '',
    env: {},
    async restartInfluxd() {
      world.influxd = await startInfluxd({ dataDir: influxDir, port: world.influxd.port });
    },
    async close() {
      await world.influxd.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  world.influx = createInfluxHttp({ url: world.influxd.url, db: 'vectorwatch' });
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  world.mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
  world.httpUrl = `http://127.0.0.1:${httpPort}`;
  world.env = {
    DATA_DIR: join(dataDir, 'stack'),
    INFLUX_URL: world.influxd.url,
    MQTT_PORT: String(mqttPort),
    HTTP_PORT: String(httpPort),
    SIM_DEVICES: '0',
    ADMIN_TOKEN,
    MQTT_SERVICE_PASSWORD: SERVICE_PASSWORD,
    LOG_LEVEL: 'warn',
    INGEST_FLUSH_INTERVAL_MS: '100',
    ...env,
  };
  return world;
}

/** Registers `n` devices of the demo plan straight in the registry (before the stack starts) and returns their credentials. */
export function provision(world: FaultWorld, n: number, seed: number, prefix: string): FleetDevice[] {
  const db = openDatabase(join(world.env['DATA_DIR']!, 'vectorwatch.db'));
  try {
    const registry = openRegistry(db);
    const ref = loadDemoReference();
    registry.upsertReference(ref);
    return planFleet(ref, { devices: n, seed }).map((reg) => {
      const registration = { ...reg, id: `${prefix}-${reg.id}`.slice(0, 64) };
      return { registration, password: registry.registerDevice(registration).password };
    });
  } finally {
    db.close();
  }
}

/** The whole stack (`node main.ts`) in a child process: what `npm start` runs, with real signals. */
export class StackProcess {
  readonly #world: FaultWorld;
  #child: ChildProcess | undefined;
  #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  output = '';

  constructor(world: FaultWorld) {
    this.#world = world;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['main.ts'], { cwd: REPO, env: { ...process.env, ...this.#world.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.#exit = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
    let exited = false;
    void this.#exit.then(() => (exited = true));
    await waitUntil(async () => {
      if (exited) throw new Error(`stack exited during start:\n${this.output}`);
      try {
        const res = await fetch(`${this.#world.httpUrl}/health`, { signal: AbortSignal.timeout(1000) });
        await res.body?.cancel();
        return true;
      } catch {
        return false;
      }
    }, 60_000, 'the stack to answer /health', 100);
  }

  /** Sends a signal and waits for the exit; returns how long it took and the exit code. */
  async stop(signal: NodeJS.Signals): Promise<{ ms: number; code: number | null; signal: NodeJS.Signals | null }> {
    const t0 = performance.now();
    this.#child?.kill(signal);
    const exit = await this.#exit!;
    return { ms: performance.now() - t0, ...exit };
  }

  async metric(name: string): Promise<number> {
    const text = await (await fetch(`${this.#world.httpUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.split(' ').at(-1)) : Number.NaN;
  }
}

export interface ScenarioResult {
  scenario: string;
  /** Distinct valid readings the devices were acknowledged for. */
  sent: number;
  /** Of those, stored in InfluxDB. */
  stored: number;
  lost: number;
  duplicated: number;
  /** Stored points no device sent as a valid reading (a refused one stored, say). */
  unexpected: number;
  recoverMs: number | null;
  note?: string;
}

/** Every stored point of the scenario's devices since `sinceMs`: device → seqs (with repeats, if any). */
export async function storedSeqs(influx: InfluxHttp, sinceMs: number): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const kind of DEVICE_KINDS) {
    const series = await influx.query(`SELECT "seq", "device" FROM "${kind}" WHERE time >= ${Math.floor(sinceMs)}ms`);
    for (const s of series) {
      for (const row of seriesRows(s)) {
        const device = String(row['device']);
        const list = out.get(device) ?? [];
        list.push(Number(row['seq']));
        out.set(device, list);
      }
    }
  }
  return out;
}

export async function storedCount(influx: InfluxHttp, sinceMs: number): Promise<number> {
  let n = 0;
  for (const kind of DEVICE_KINDS) {
    const [series] = await influx.query(`SELECT count("seq") FROM "${kind}" WHERE time >= ${Math.floor(sinceMs)}ms`).catch(() => []);
    n += Number(series?.values[0]?.[1] ?? 0);
  }
  return n;
}

/** Distinct valid seqs each device was acknowledged for. */
export function ackedValid(devices: readonly SimulatedDevice[]): Map<string, Set<number>> {
  return new Map(devices.map((d) => [d.id, new Set(d.records().filter((r) => r.acked && r.expectCode === null).map((r) => r.seq))]));
}

/** Per device, every acknowledged valid seq exactly once: the comparison the issue asks for. */
export async function compare(
  scenario: string,
  influx: InfluxHttp,
  devices: readonly SimulatedDevice[],
  sinceMs: number,
  recoverMs: number | null,
): Promise<ScenarioResult> {
  const stored = await storedSeqs(influx, sinceMs);
  const acked = ackedValid(devices);
  let sent = 0;
  let storedN = 0;
  let lost = 0;
  let duplicated = 0;
  let unexpected = 0;
  for (const d of devices) {
    const expect = acked.get(d.id)!;
    const validSent = new Set(d.records().filter((r) => r.expectCode === null).map((r) => r.seq));
    const got = stored.get(d.id) ?? [];
    const counts = new Map<number, number>();
    for (const s of got) counts.set(s, (counts.get(s) ?? 0) + 1);
    sent += expect.size;
    for (const seq of expect) {
      if (counts.has(seq)) storedN++;
      else lost++;
    }
    for (const [seq, n] of counts) {
      duplicated += n - 1;
      if (!validSent.has(seq)) unexpected++;
    }
  }
  return { scenario, sent, stored: storedN, lost, duplicated, unexpected, recoverMs };
}

export function printTable(results: readonly ScenarioResult[]): string {
  const head = ['scenario', 'sent', 'stored', 'lost', 'duplicated', 'time to recover'];
  const rows = results.map((r) => [
    r.scenario, String(r.sent), String(r.stored), String(r.lost), String(r.duplicated),
    r.recoverMs === null ? '—' : `${(r.recoverMs / 1000).toFixed(1)} s`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const out = [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
  const notes = results.filter((r) => r.note).map((r) => `  ${r.scenario}: ${r.note}`);
  return [...out, ...notes].join('\n');
}

/** p-quantile of PUBACK latencies (ms) of valid readings acknowledged within [fromPerf, toPerf). */
export function ackLatencyMs(devices: readonly SimulatedDevice[], q: number, fromPerf = 0, toPerf = Infinity): number {
  const lat: number[] = [];
  for (const d of devices) {
    for (const r of d.records()) {
      if (r.expectCode === null && r.ackedAt !== null && r.sentAt >= fromPerf && r.sentAt < toPerf) lat.push(r.ackedAt - r.sentAt);
    }
  }
  lat.sort((a, b) => a - b);
  return lat.length === 0 ? Number.NaN : lat[Math.min(lat.length - 1, Math.floor(q * lat.length))]!;
}
