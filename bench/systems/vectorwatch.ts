/**
 * VectorWatch under test: `node main.ts` (what `npm start` runs: aedes broker, embedded ingest, rules engine, API) as
 * a child process against the bench's influxd, with devices provisioned straight into its registry beforehand (as the
 * fault suite does). Also `node ingest/main.ts` alone (INGEST_MODE=mqtt) for the Mosquitto peer.
 *
 * The broker's per-client defences are switched off for the bench, because every simulated device connects from
 * one address at rates far above a field device's: MQTT_PUBLISH_RATE_PER_S=0 (default 10/s, burst 100),
 * MQTT_PUBLISH_BYTES_PER_S=0 (default 8 KiB/s, burst 64 KiB), MQTT_MAX_CONNECTIONS_PER_IP=0 (default 1000), MQTT_CONNECTS_PER_MIN=0 (default 30). docs/benchmarks.md says so.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DeviceRegistration } from '../../contracts/registry.ts';
import { freePort } from '../../platform/influxd.ts';
import { openDatabase } from '../../platform/sqlite.ts';
import { openRegistry } from '../../registry/registry.ts';
import { loadDemoReference } from '../../registry/seed.ts';
import { startChild, waitFor, type Child, type StackDebug } from './child.ts';

const REPO = resolve(import.meta.dirname, '../..');
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
export const BENCH_SERVICE_PASSWORD = 'bench-service-password-0123456789';

export const BENCH_LIMITS_ENV: Readonly<Record<string, string>> = {
  MQTT_PUBLISH_RATE_PER_S: '0',
  MQTT_PUBLISH_BYTES_PER_S: '0',
  MQTT_MAX_CONNECTIONS_PER_IP: '0',
  MQTT_CONNECTS_PER_MIN: '0',
};

/** Registers devices (and the demo districts, contractors and sites) in DATA_DIR's registry; returns passwords by id. */
export function provisionRegistry(dataDir: string, registrations: readonly DeviceRegistration[]): Map<string, string> {
  mkdirSync(dataDir, { recursive: true });
  const db = openDatabase(join(dataDir, 'vectorwatch.db'));
  const passwords = new Map<string, string>();
  try {
    const registry = openRegistry(db);
    registry.upsertReference(loadDemoReference());
    db.exec('BEGIN');
    for (const reg of registrations) passwords.set(reg.id, registry.registerDevice(reg).password);
    db.exec('COMMIT');
  } finally {
    db.close();
  }
  return passwords;
}

export interface VectorWatchOptions {
  dataDir: string;
  influxUrl: string;
  influxDb: string;
  env?: Record<string, string>;
  /** Write a V8 CPU profile (`--cpu-prof`) of the stack process into this directory at exit. */
  cpuProfDir?: string | undefined;
  debug?: StackDebug | undefined;
}

export interface RunningSystem {
  mqttUrl: string;
  httpUrl?: string;
  /** Process name → pid, for the /proc meter. */
  pids: Map<string, number>;
  stop(): Promise<void>;
}

function nodeArgs(dir: string | undefined, name: string, debug: StackDebug | undefined): string[] {
  const prof = dir ? ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`] : [];
  return [...prof, ...(debug?.nodeArgs ?? [])];
}

export async function startVectorWatch(opts: VectorWatchOptions): Promise<RunningSystem> {
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    DATA_DIR: opts.dataDir,
    INFLUX_URL: opts.influxUrl,
    INFLUX_DB: opts.influxDb,
    MQTT_PORT: String(mqttPort),
    HTTP_PORT: String(httpPort),
    SIM_DEVICES: '0',
    ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    MQTT_SERVICE_PASSWORD: BENCH_SERVICE_PASSWORD,
    LOG_LEVEL: 'warn',
    ...BENCH_LIMITS_ENV,
    ...opts.env,
  };
  const child = startChild('vectorwatch', process.execPath, [...nodeArgs(opts.cpuProfDir, 'vectorwatch', opts.debug), 'main.ts'], { cwd: REPO, env }, opts.debug?.logDir);
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  await waitFor(async () => {
    try {
      const res = await fetch(`${httpUrl}/health`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      return true;
    } catch {
      return false;
    }
  }, 90_000, 'VectorWatch /health', child);
  return {
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    httpUrl,
    pids: new Map([['vectorwatch', child.pid]]),
    stop: () => child.stop('SIGTERM', 30_000),
  };
}

export interface IngestWorkerOptions {
  dataDir: string;
  influxUrl: string;
  influxDb: string;
  mqttUrl: string;
  cpuProfDir?: string | undefined;
  debug?: StackDebug | undefined;
}

/** `node ingest/main.ts`: a separate ingest process consuming from a broker (the scale-out shape). */
export async function startIngestWorker(opts: IngestWorkerOptions): Promise<Child> {
  const env = {
    ...process.env,
    DATA_DIR: opts.dataDir,
    INFLUX_URL: opts.influxUrl,
    INFLUX_DB: opts.influxDb,
    MQTT_URL: opts.mqttUrl,
    MQTT_SERVICE_PASSWORD: BENCH_SERVICE_PASSWORD,
    LOG_LEVEL: 'info',
  };
  const child = startChild('ingest', process.execPath, [...nodeArgs(opts.cpuProfDir, 'ingest', opts.debug), 'ingest/main.ts'], { cwd: REPO, env }, opts.debug?.logDir);
  await waitFor(() => child.output().includes('ingest consuming'), 60_000, 'ingest to subscribe', child);
  return child;
}
