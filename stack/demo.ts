/**
 * Demo mode of `npm start`: registers the simulated fleet through the HTTP API (the same way an operator would),
 * runs it, registers one extra device for the user to try by hand, and reports progress.
 */
import type { Logger } from '../platform/logger.ts';
import type { DeviceCredential } from '../contracts/registry.ts';
import { loadDemoReference } from '../registry/seed.ts';
import { seedDemoPeople, type DemoLogin } from '../registry/demo-people.ts';
import { planFleet } from '../devices-sim/fleet.ts';
import { provisionFleet } from '../devices-sim/provision.ts';
import { runFleet } from '../devices-sim/run-fleet.ts';
import type { Stack } from './start-stack.ts';

export const TRY_DEVICE = { id: 'try-bin-001', kind: 'bin_sensor', siteId: 'yx-market-dongshan', placement: 'outdoor' } as const;

export interface Demo {
  fleetSize: number;
  tryDevice: DeviceCredential | undefined;
  /** People to log in to the live page with, passwords generated for this run. */
  people: DemoLogin[];
  stop(): Promise<void>;
}

async function api<T>(stack: Stack, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Registers the try-me device, or rotates its password when it exists from an earlier run. */
async function registerTryDevice(stack: Stack): Promise<DeviceCredential> {
  const created = await api<DeviceCredential>(stack, 'POST', '/api/devices', TRY_DEVICE);
  if (created.status === 201) return created.body;
  const rotated = await api<DeviceCredential>(stack, 'POST', `/api/devices/${TRY_DEVICE.id}/credentials`);
  if (rotated.status !== 200) throw new Error(`could not register ${TRY_DEVICE.id}: HTTP ${rotated.status}`);
  return rotated.body;
}

export async function startDemo(stack: Stack, logger: Logger): Promise<Demo> {
  const devices = stack.config.SIM_DEVICES;
  if (devices === 0) return { fleetSize: 0, tryDevice: undefined, people: [], stop: async () => {} };

  const registrations = planFleet(loadDemoReference(), { devices, seed: stack.config.SIM_SEED });
  const provisioned = await provisionFleet({ apiUrl: stack.httpUrl, adminToken: stack.adminToken, registrations });
  const tryDevice = await registerTryDevice(stack);
  const people = await seedDemoPeople(stack.users, loadDemoReference(), Date.now());
  const fleet = await runFleet({
    url: stack.mqttUrl,
    devices: provisioned,
    intervalMs: stack.config.SIM_INTERVAL_MS,
    seed: stack.config.SIM_SEED,
    logger: logger.child({ component: 'sim' }),
  });

  let announced = false;
  const progress = setInterval(() => {
    const stored = stack.ingest?.stats().stored ?? 0;
    if (!announced && stored > 0) {
      announced = true;
      console.log(`✓ readings are landing in InfluxDB (${stored} stored so far); progress every 30 s.`);
    }
  }, 500);
  const summary = setInterval(() => {
    const s = stack.ingest?.stats();
    if (s) console.log(`  ingest: ${s.received} received, ${s.stored} stored, ${s.rejected} rejected, ${s.duplicates} duplicates`);
  }, 30_000);
  progress.unref();
  summary.unref();

  return {
    fleetSize: provisioned.length,
    tryDevice,
    people,
    async stop() {
      clearInterval(progress);
      clearInterval(summary);
      await fleet.stop();
    },
  };
}

export function printBanner(stack: Stack, demo: Demo): void {
  const { config } = stack;
  const influx = stack.localInfluxd
    ? `${stack.influx.target.url}  database "${config.INFLUX_DB}"  (local influxd, data in ${stack.localInfluxd.dataDir})`
    : `${stack.influx.target.url}  database "${config.INFLUX_DB}"`;
  const lines = [
    '',
    'VectorWatch is running.',
    `  MQTT broker   mqtt://${config.MQTT_HOST}:${stack.mqttPort}   (devices log in with their id and password)`,
    `  Live page     ${stack.httpUrl}/live/   (log in as one of the people below; 中文 by default, EN by the toggle)`,
    `  HTTP API      ${stack.httpUrl}   (/health, /metrics, /contract/v1, /api/…; OpenAPI at /docs)`,
    `  InfluxDB      ${influx}`,
    `  Admin token   ${stack.adminToken}${stack.adminTokenGenerated ? '   (generated for this run; set ADMIN_TOKEN to fix it)' : ''}`,
  ];
  if (demo.fleetSize > 0) {
    const ref = loadDemoReference();
    lines.push(
      `  Simulator     ${demo.fleetSize} devices in ${ref.districts.length} districts, ${ref.contractors.length} contractors, one reading each every ${config.SIM_INTERVAL_MS / 1000} s`,
    );
  }
  if (demo.people.length > 0) {
    const width = Math.max(...demo.people.map((p) => p.username.length));
    lines.push('', `People (passwords generated for this run), at ${stack.httpUrl}/live/:`);
    for (const p of demo.people) lines.push(`  ${p.username.padEnd(width)}  ${p.password}   ${p.role.padEnd(13)} ${p.displayName}`);
  }
  if (demo.tryDevice) {
    const { username, password } = demo.tryDevice;
    const sample = JSON.stringify({ v: 1, kind: 'bin_sensor', seq: 1, ts: Date.now(), fillPct: 42 });
    lines.push(
      '',
      `Try a device yourself: id ${username}, password ${password}`,
      `  npx mqtt pub -h 127.0.0.1 -p ${stack.mqttPort} -i ${username} -u ${username} -P ${password} -q 1 \\`,
      `    -t devices/${username}/telemetry -m '${sample}'`,
      `  (mosquitto_pub takes the same flags). Why a reading was refused: subscribe to devices/${username}/errors as the device.`,
    );
  }
  lines.push(
    '',
    'See the stored readings:',
    `  curl -sG ${stack.influx.target.url}/query --data-urlencode db=${config.INFLUX_DB} --data-urlencode "q=SELECT count(seq) FROM mosquito_trap"`,
    `  curl -s -H "Authorization: Bearer ${stack.adminToken}" ${stack.httpUrl}/api/devices?limit=5`,
    '',
    'Ctrl-C stops everything.',
    '',
  );
  console.log(lines.join('\n'));
}
