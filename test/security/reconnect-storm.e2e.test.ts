/**
 * Fault injection, issue 6: a reconnect storm. Hundreds of CONNECTs per second from one address (loopback)
 * with one username — right and wrong passwords mixed, like a firmware bug looping on reconnect — and a
 * password-guessing storm with another username, against the real stack with the DEFAULT limits
 * (`startTestStack()`: real broker over TCP, ingest, influxd). Meanwhile ten other devices on the same address
 * keep publishing.
 *
 * What must hold:
 * - the storm is throttled: at most MQTT_CONNECTS_PER_MIN (30) CONNECTs of the flapping client reach the
 *   credential check, at most MQTT_AUTH_FAILURES_BEFORE_BAN (5) wrong passwords are checked before the guesser
 *   is banned, and every refusal is counted by limit;
 * - every other device is unaffected: all of their readings are stored in InfluxDB;
 * - the broker's memory stays bounded: after a forced GC the heap grows by less than 32 MiB over ~2,000
 *   attempts, the limit tables hold a handful of keys, and connected clients return to the baseline.
 *   (The bound is deliberately loose — a heap is noisy — but a per-attempt leak of even 16 KiB would break it.)
 */
import { connect as tcpConnect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqttPacket from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import { TELEMETRY_EXAMPLES } from '../../contracts/examples.ts';
import type { DeviceCredential } from '../../contracts/registry.ts';
import { publish, sleep, startTestStack, type TestStack } from '../harness.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const STORM_ATTEMPTS = 1000;
const CONCURRENCY = 40;
const BYSTANDERS = 10;
const READINGS_EACH = 20;

let stack: TestStack;
let flapper: DeviceCredential;
let guessed: DeviceCredential;
const bystanders: { cred: DeviceCredential; client: MqttClient }[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  flapper = await stack.register({ id: 'storm-flapper', kind: 'bin_sensor', siteId: 'yx-market-dongshan' });
  guessed = await stack.register({ id: 'storm-guessed', kind: 'bin_sensor', siteId: 'yx-market-dongshan' });
  for (let i = 0; i < BYSTANDERS; i++) {
    const cred = await stack.register({ id: `storm-bystander-${i}`, kind: 'bin_sensor', siteId: 'th-market-shipai' });
    bystanders.push({ cred, client: await stack.connectDevice(cred) });
  }
}, 30_000);
afterAll(async () => {
  await stack?.stop();
});

/** One raw CONNECT: the CONNACK return code, or 'closed' when the socket closed without one. */
function connectOnce(port: number, username: string, password: string): Promise<number | 'closed'> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    let settled = false;
    const done = (r: number | 'closed') => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(r);
    };
    socket.once('connect', () =>
      socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30, clientId: username, username, password: Buffer.from(password) })),
    );
    // CONNACK: 0x20 0x02 <flags> <return code>
    socket.on('data', (b: Buffer) => done(b[0] === 0x20 && b.length >= 4 ? b[3]! : 'closed'));
    socket.once('error', () => done('closed'));
    socket.once('close', () => done('closed'));
  });
}

interface StormResult {
  codes: Map<number | 'closed', number>;
  perSecond: number;
  seconds: number;
}

async function storm(username: string, password: (i: number) => string): Promise<StormResult> {
  const codes = new Map<number | 'closed', number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < STORM_ATTEMPTS) {
        const i = next++;
        const code = await connectOnce(stack.mqttPort, username, password(i));
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { codes, perSecond: STORM_ATTEMPTS / seconds, seconds };
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = stack.metrics.getSingleMetric(name);
  if (!m) throw new Error(`no metric ${name}`);
  const { values } = await m.get();
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((s, v) => s + v.value, 0);
}

const reading = (seq: number) => JSON.stringify({ ...TELEMETRY_EXAMPLES.bin_sensor, seq, ts: Date.now() - 1000 });

describe('reconnect storm from one address', () => {
  it('is throttled and counted; other devices on the same address lose nothing; memory stays bounded', async () => {
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const clientsBefore = stack.broker.connectedClients();

    // Ten devices keep publishing through the storm: one reading each every 100 ms.
    const publishing = Promise.all(
      bystanders.map(async ({ cred, client }) => {
        for (let seq = 1; seq <= READINGS_EACH; seq++) {
          await publish(client, `devices/${cred.username}/telemetry`, reading(seq));
          await sleep(100);
        }
      }),
    );
    const [flapping, guessing] = await Promise.all([
      storm(flapper.username, (i) => (i % 2 === 0 ? flapper.password : 'wrong-password')),
      storm(guessed.username, () => 'wrong-password'),
    ]);
    await publishing;
    console.info(`storm rates: flapping ${flapping.perSecond.toFixed(0)}/s, guessing ${guessing.perSecond.toFixed(0)}/s`);

    // Hundreds per second from one address, each answered (no hung sockets).
    expect(flapping.perSecond).toBeGreaterThan(100);
    expect(guessing.perSecond).toBeGreaterThan(100);
    expect(flapping.codes.get('closed') ?? 0).toBe(0);
    expect(guessing.codes.get('closed') ?? 0).toBe(0);

    // Flapping with the right password half the time: the connect rate lets 30 reach the credential check at
    // once, plus what the bucket refills (30 per minute) while the storm lasts.
    const flapChecked = (flapping.codes.get(0) ?? 0) + (flapping.codes.get(4) ?? 0);
    expect(flapChecked).toBeLessThanOrEqual(30 + Math.ceil(flapping.seconds / 2));
    expect(flapping.codes.get(0) ?? 0).toBeGreaterThan(0);
    expect(flapping.codes.get(3)).toBe(STORM_ATTEMPTS - flapChecked);

    // Guessing: 5 wrong passwords are checked, then the (address, username) pair is banned.
    expect(guessing.codes.get(4)).toBe(5);
    expect(guessing.codes.get(3)).toBe(STORM_ATTEMPTS - 5);
    expect(await metric('vectorwatch_broker_auth_bans_total', { scope: 'address_username' })).toBe(1);
    expect(await metric('vectorwatch_broker_auth_bans_total', { scope: 'address' })).toBe(0);

    // Every refusal is counted by limit; credential checks stayed few.
    const refused = await metric('vectorwatch_broker_limit_refusals_total');
    expect(refused).toBe(2 * STORM_ATTEMPTS - flapChecked - 5);
    expect(await metric('vectorwatch_broker_connections_total', { result: 'bad_password' })).toBe(5 + (flapping.codes.get(4) ?? 0));

    // Nobody else noticed: all bystander readings stored, all bystanders still connected.
    const rows = await stack.waitForRows(`SELECT count(seq) AS n FROM bin_sensor WHERE device =~ /^storm-bystander-/ GROUP BY device`, 1, { timeoutMs: 10_000 });
    expect(rows.length).toBeGreaterThan(0);
    for (const { cred, client } of bystanders) {
      const stored = await stack.waitFor(async () => {
        const r = await stack.rows(`SELECT count(seq) AS n FROM bin_sensor WHERE device = '${cred.username}'`);
        return r[0]?.n === READINGS_EACH ? r : null;
      }, { timeoutMs: 10_000 });
      expect(stored?.[0]?.n, cred.username).toBe(READINGS_EACH);
      expect(client.connected).toBe(true);
    }

    // Memory: bounded tables, no lingering clients, bounded heap growth.
    // One connect-rate entry per (address, username) seen — bystanders, services, the two storm usernames — plus
    // the two failure records and the address's: the 2,000 attempts added 5 keys, not 2,000.
    expect(await metric('vectorwatch_broker_limit_tracked_keys')).toBeLessThanOrEqual(BYSTANDERS + 10);
    await stack.waitFor(() => stack.broker.connectedClients() <= clientsBefore + 1);
    expect(stack.broker.connectedClients()).toBeLessThanOrEqual(clientsBefore + 1); // + the flapper's last session
    await sleep(200);
    gc();
    const growthMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    console.info(`heap growth after the storm: ${growthMiB.toFixed(1)} MiB`);
    expect(growthMiB).toBeLessThan(32);
  }, 60_000);
});
