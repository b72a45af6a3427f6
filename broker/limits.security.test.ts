/**
 * Broker limits over real TCP (port 0) with real `mqtt` clients and raw sockets: packet size, connections per
 * address, authentication bans, connect rate, publish rate. Each test starts its own broker with the limit it
 * exercises set low, and reads the counters the limit must move.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { Registry } from 'prom-client';
import { silentLogger } from '../platform/logger.ts';
import { createBroker } from './create-broker.ts';
import { listenBroker } from './listen.ts';
import { createBrokerLimits, type BrokerLimitsConfig } from './limits/broker-limits.ts';
import { testDevices } from './test-devices.ts';

const SERVICE_PASSWORD = 'service-secret-0123456789';
const devices = testDevices({
  'rs-001': { password: 'pw-rs-001', status: 'active' },
  'rs-002': { password: 'pw-rs-002', status: 'active' },
  'rs-003': { password: 'pw-rs-003', status: 'active' },
});

const NO_LIMITS: BrokerLimitsConfig = {
  maxPacketBytes: 1 << 20,
  maxConnectionsPerAddress: 0,
  connectsPerMin: 0,
  authFailuresBeforeBan: 0,
  authFailuresPerAddressBeforeBan: 0,
  authBanMs: 60_000,
  publishRatePerS: 0,
  publishBurst: 1,
};

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function startBroker(over: Partial<BrokerLimitsConfig>, clock?: () => number) {
  const metrics = new Registry();
  const limits = createBrokerLimits({ ...NO_LIMITS, ...over }, { logger: silentLogger, metrics, ...(clock ? { clock } : {}) });
  const broker = await createBroker({ devices, servicePassword: SERVICE_PASSWORD, logger: silentLogger, metrics, limits });
  const listener = await listenBroker(broker, { port: 0 });
  cleanup.push(() => broker.close(), () => listener.close());
  const url = `mqtt://127.0.0.1:${listener.port}`;
  const value = async (name: string, labels: Record<string, string> = {}): Promise<number> => {
    const metric = metrics.getSingleMetric(name);
    if (!metric) throw new Error(`no metric ${name}`);
    const { values } = await metric.get();
    return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
  };
  const refusals = (limit: string) => value('vectorwatch_broker_limit_refusals_total', { limit });
  return { broker, limits, port: listener.port, url, value, refusals };
}

const base: IClientOptions = { reconnectPeriod: 0, connectTimeout: 3000, protocolVersion: 4 };
const asDevice = (id: string, over: IClientOptions = {}): IClientOptions => ({ ...base, clientId: id, username: id, password: `pw-${id}`, ...over });

async function client(url: string, opts: IClientOptions): Promise<MqttClient> {
  const c = await connectAsync(url, opts);
  cleanup.push(() => c.endAsync(true));
  return c;
}

/** 'accepted' or the CONNACK return code of a refusal. */
async function attempt(url: string, opts: IClientOptions): Promise<'accepted' | number> {
  try {
    const c = await connectAsync(url, opts);
    await c.endAsync(true);
    return 'accepted';
  } catch (err) {
    return (err as { code: number }).code;
  }
}

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
    cleanup.push(() => void s.destroy());
  });
}

const closed = (s: Socket): Promise<void> => new Promise((r) => (s.closed ? r() : s.once('close', () => r())));

function connectPacket(id: string): Buffer {
  return mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: id, username: id, password: Buffer.from(`pw-${id}`) });
}

describe('maximum packet size', () => {
  it('closes a connection whose CONNECT announces more than the limit, before the body is sent', async () => {
    const b = await startBroker({ maxPacketBytes: 4096 });
    const s = await rawSocket(b.port);
    // Fixed header of a CONNECT announcing 200 MiB; not one byte of the body follows.
    s.write(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x64]));
    await closed(s);
    expect(await b.refusals('max_packet_bytes')).toBe(1);
    expect(b.broker.connectedClients()).toBe(0);
  });

  it('closes an authenticated device that starts an oversized PUBLISH; packets under the limit pass', async () => {
    const b = await startBroker({ maxPacketBytes: 2048 });
    const ingest = await client(b.url, { ...base, clientId: 'svc:ingest-1', username: 'svc:ingest', password: SERVICE_PASSWORD });
    const got: number[] = [];
    ingest.on('message', (_t, payload) => got.push(payload.length));
    await ingest.subscribeAsync('devices/+/telemetry', { qos: 1 });

    const dev = await client(b.url, asDevice('rs-001'));
    await dev.publishAsync('devices/rs-001/telemetry', Buffer.alloc(1900, 0x61), { qos: 1 });
    const gone = new Promise<void>((r) => dev.once('close', () => r()));
    dev.publish('devices/rs-001/telemetry', Buffer.alloc(3000, 0x61), { qos: 0 });
    await gone;
    expect(await b.refusals('max_packet_bytes')).toBe(1);
    expect(got).toEqual([1900]);
  });
});

describe('connections per address', () => {
  it('refuses sockets beyond the limit at accept, and admits again once one closes', async () => {
    const b = await startBroker({ maxConnectionsPerAddress: 3 });
    const held = await Promise.all([1, 2, 3].map(() => rawSocket(b.port)));
    const fourth = await rawSocket(b.port);
    await closed(fourth);
    expect(await b.refusals('connections_per_address')).toBe(1);
    expect(held.every((s) => !s.destroyed)).toBe(true);

    held[0]!.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const c = await client(b.url, asDevice('rs-001'));
    expect(c.connected).toBe(true);
    expect(b.limits.openConnections()).toBe(3);
  });
});

describe('authentication failures', () => {
  it('bans (address, username) after the threshold: the right password gets 3 until the ban ends', async () => {
    let now = 1_000_000;
    const b = await startBroker({ authFailuresBeforeBan: 3, authBanMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) expect(await attempt(b.url, asDevice('rs-001', { password: 'wrong' }))).toBe(4);
    const verified = devices.calls.length;
    expect(await attempt(b.url, asDevice('rs-001'))).toBe(3);
    expect(devices.calls.length).toBe(verified); // banned: the password was not even looked at
    expect(await b.value('vectorwatch_broker_auth_bans_total', { scope: 'address_username' })).toBe(1);
    expect(await b.refusals('auth_ban')).toBe(1);

    // Another device on the same address is not affected.
    expect(await attempt(b.url, asDevice('rs-002'))).toBe('accepted');
    now += 60_000;
    expect(await attempt(b.url, asDevice('rs-001'))).toBe('accepted');
  });

  it('bans the address after failures across usernames, but lets services through', async () => {
    const b = await startBroker({ authFailuresPerAddressBeforeBan: 4 });
    for (const id of ['ghost-1', 'ghost-2', 'ghost-3', 'ghost-4']) expect(await attempt(b.url, asDevice(id))).toBe(4);
    expect(await attempt(b.url, asDevice('rs-003'))).toBe(3);
    expect(await b.value('vectorwatch_broker_auth_bans_total', { scope: 'address' })).toBe(1);
    expect(await attempt(b.url, { ...base, clientId: 'svc:ingest-2', username: 'svc:ingest', password: SERVICE_PASSWORD })).toBe('accepted');
  });
});

describe('connect rate', () => {
  it('refuses a client reconnecting faster than connectsPerMin with 3, right password or not', async () => {
    const b = await startBroker({ connectsPerMin: 4 });
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await attempt(b.url, asDevice('rs-001')));
    expect(results).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 3, 3]);
    expect(await b.refusals('connect_rate')).toBe(2);
    expect(await attempt(b.url, asDevice('rs-002'))).toBe('accepted');
  });
});

describe('publish rate', () => {
  it('delays publishes above the rate instead of dropping them: every one arrives, no sooner than the rate allows', async () => {
    const b = await startBroker({ publishRatePerS: 50, publishBurst: 5 });
    const ingest = await client(b.url, { ...base, clientId: 'svc:ingest-3', username: 'svc:ingest', password: SERVICE_PASSWORD });
    const got: string[] = [];
    ingest.on('message', (_t, payload) => got.push(payload.toString()));
    await ingest.subscribeAsync('devices/+/telemetry', { qos: 1 });
    const dev = await client(b.url, asDevice('rs-001'));

    const started = Date.now();
    await Promise.all(Array.from({ length: 30 }, (_, i) => dev.publishAsync('devices/rs-001/telemetry', String(i), { qos: 1 })));
    const elapsed = Date.now() - started;
    // 5 at once, then 25 at 50/s: at least 500 ms.
    expect(elapsed).toBeGreaterThanOrEqual(450);
    await expect.poll(() => got.length).toBe(30);
    expect(new Set(got).size).toBe(30);
    expect(await b.value('vectorwatch_broker_publishes_delayed_total')).toBeGreaterThanOrEqual(20);
    expect(await b.refusals('publish_rate')).toBe(0);
  });

  it('does not slow other devices or services', async () => {
    const b = await startBroker({ publishRatePerS: 2, publishBurst: 1 });
    const slow = await client(b.url, asDevice('rs-001'));
    for (let i = 0; i < 10; i++) slow.publish('devices/rs-001/telemetry', 'x', { qos: 0 });
    const other = await client(b.url, asDevice('rs-002'));
    const started = Date.now();
    await other.publishAsync('devices/rs-002/telemetry', 'y', { qos: 1 });
    expect(Date.now() - started).toBeLessThan(300);
  });

  it('closes a connection that owes more than maxPublishDelayMs of budget (sustained abuse)', async () => {
    const b = await startBroker({ publishRatePerS: 10, publishBurst: 1, maxPublishDelayMs: 300 });
    const s = await rawSocket(b.port);
    s.write(connectPacket('rs-001'));
    await new Promise<void>((r) => s.once('data', () => r())); // CONNACK
    const one = mqttPacket.generate({ cmd: 'publish', topic: 'devices/rs-001/telemetry', payload: Buffer.from('x'), qos: 0, dup: false, retain: false });
    s.write(Buffer.concat(Array.from({ length: 50 }, () => one)));
    await closed(s);
    expect(await b.refusals('publish_rate')).toBe(1);
  });

  it('a device closed for abuse that reconnects at once gets no fresh burst; once its debt is paid it publishes again', async () => {
    let nowMs = 1_000_000; // the clock stands still until the test moves it: the debt cannot drain meanwhile
    const b = await startBroker({ publishRatePerS: 10, publishBurst: 5, maxPublishDelayMs: 300 }, () => nowMs);
    const one = mqttPacket.generate({ cmd: 'publish', topic: 'devices/rs-001/telemetry', payload: Buffer.from('x'), qos: 0, dup: false, retain: false });
    const abuser = await rawSocket(b.port);
    abuser.write(connectPacket('rs-001'));
    await new Promise<void>((r) => abuser.once('data', () => r())); // CONNACK
    abuser.write(Buffer.concat(Array.from({ length: 50 }, () => one)));
    await closed(abuser);
    expect(await b.refusals('publish_rate')).toBe(1);

    // A new connection of the same device: with a budget per connection its first 5 publishes would pass at once.
    const again = await client(b.url, asDevice('rs-001'));
    const refused = new Promise<void>((r) => again.stream.once('close', () => r()));
    again.publish('devices/rs-001/telemetry', 'y', { qos: 1 });
    await Promise.race([refused, new Promise((_, reject) => setTimeout(() => reject(new Error('the reconnected abuser was not closed: it got a fresh burst')), 3000))]);
    expect(await b.refusals('publish_rate')).toBe(2);
    again.end(true);

    // Another device is not charged for it.
    const other = await client(b.url, asDevice('rs-002'));
    await other.publishAsync('devices/rs-002/telemetry', 'z', { qos: 1 });
    expect(await b.value('vectorwatch_broker_publish_rate_devices')).toBe(2);

    nowMs += 60_000; // the debt is paid and the burst saved up again
    const later = await client(b.url, asDevice('rs-001'));
    await later.publishAsync('devices/rs-001/telemetry', 'w', { qos: 1 });
    expect(await b.refusals('publish_rate')).toBe(2);
  });
});
