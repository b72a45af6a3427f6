/**
 * What every scenario shares: one influxd for the whole run (the same store for every stack), a scratch directory,
 * the fleet plan, and the machine's description for the report.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, totalmem, tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import type { DeviceRegistration, ReferenceData } from '../contracts/registry.ts';
import { planFleet } from '../devices-sim/fleet.ts';
import { createInfluxHttp, type InfluxHttp } from '../platform/influx-http.ts';
import { startInfluxd, type LocalInfluxd } from '../platform/influxd.ts';
import { loadDemoReference } from '../registry/seed.ts';
import { profileTails, type LoadDevice } from './load/payloads.ts';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  influxdb: string;
  mosquitto: string;
  nodeRed: string;
  loadAvgAtStart: number[];
}

export function describeMachine(): Machine {
  const version = (cmd: string, args: string[], re: RegExp) => {
    try {
      const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
      return re.exec(out)?.[1] ?? out.trim().split('\n')[0] ?? 'unknown';
    } catch (err) {
      const out = String((err as { stdout?: string }).stdout ?? '');
      return re.exec(out)?.[1] ?? 'unknown';
    }
  };
  let nodeRed = 'unknown';
  try {
    nodeRed = (JSON.parse(execFileSync('cat', ['node_modules/node-red/package.json'], { encoding: 'utf8' })) as { version: string }).version;
  } catch {
    /* not installed */
  }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    influxdb: version('influxd', ['version'], /InfluxDB (v[^ ]+)/),
    mosquitto: version('/usr/sbin/mosquitto', ['-h'], /mosquitto version ([^\s]+)/),
    nodeRed,
    loadAvgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export interface World {
  dir: string;
  ref: ReferenceData;
  influxd: LocalInfluxd;
  influxUrl: string;
  /** A client on `db`, created (and emptied) on demand. */
  freshDb(db: string): Promise<InfluxHttp>;
  db(db: string): InfluxHttp;
  close(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'vw-bench-'));
  const influxd = await startInfluxd({ dataDir: join(dir, 'influxdb') });
  const admin = createInfluxHttp({ url: influxd.url, db: '_internal' });
  return {
    dir,
    ref: loadDemoReference(),
    influxd,
    influxUrl: influxd.url,
    async freshDb(db) {
      await admin.exec(`DROP DATABASE "${db}"`);
      await admin.exec(`CREATE DATABASE "${db}"`);
      return createInfluxHttp({ url: influxd.url, db });
    },
    db: (db) => createInfluxHttp({ url: influxd.url, db }),
    async close() {
      await influxd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The demo fleet plan (seeded), `n` devices, with the prefix on every id. */
export function fleetPlan(ref: ReferenceData, n: number, prefix: string, seed = 1): DeviceRegistration[] {
  return planFleet(ref, { devices: n, seed }).map((r) => ({ ...r, id: `${prefix}${r.id}`.slice(0, 64) }));
}

/** Load devices for a plan: pre-built payloads from each device's profile, passwords when the stack has a registry. */
export function loadDevices(ref: ReferenceData, plan: readonly DeviceRegistration[], passwords?: ReadonlyMap<string, string>, periodS = 60): LoadDevice[] {
  return plan.map((reg) => ({ id: reg.id, password: passwords?.get(reg.id), kind: reg.kind, tails: profileTails(reg, 1, ref, periodS) }));
}
