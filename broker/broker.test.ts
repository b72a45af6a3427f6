/**
 * The broker over real TCP (port 0) with real `mqtt` clients. Absence of delivery is asserted with a marker:
 * after the message that must not arrive, a message that must arrive is sent to the same client; when the
 * marker is in, anything routed earlier would have been written to the socket before it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import type { AedesPublishPacket, Client } from 'aedes';
import { silentLogger } from '../platform/logger.ts';
import { createBroker, type VectorBroker } from './create-broker.ts';
import { listenBroker, type BrokerListener } from './listen.ts';
import { testDevices } from './test-devices.ts';

const SERVICE_PASSWORD = 'service-secret-0123456789';
const MAX_PAYLOAD = 4096;
const devices = testDevices({
  'rodent-001': { password: 'pw-rodent-001', status: 'active' },
  'rodent-002': { password: 'pw-rodent-002', status: 'active' },
  'trap-003': { password: 'pw-trap-003', status: 'active' },
  'trap-off-01': { password: 'pw-trap-off', status: 'disabled' },
});

let broker: VectorBroker;
let listener: BrokerListener;
let metrics: Registry;
let url: string;
const open: MqttClient[] = [];

beforeAll(async () => {
  metrics = new Registry();
  broker = await createBroker({ devices, servicePassword: SERVICE_PASSWORD, logger: silentLogger, metrics, maxPayloadBytes: MAX_PAYLOAD });
  listener = await listenBroker(broker, { port: 0 });
  url = `mqtt://127.0.0.1:${listener.port}`;
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.endAsync(true)));
});

afterAll(async () => {
  await listener?.close();
  await broker?.close();
});

const baseOptions: IClientOptions = { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4 };

const asDevice = (id: string, over: IClientOptions = {}): IClientOptions => ({
  clientId: id,
  username: id,
  password: `pw-${id}`,
  ...over,
});
const asService = (role: 'ingest' | 'rules' | 'api', over: IClientOptions = {}): IClientOptions => ({
  clientId: `svc:${role}-${Math.random().toString(36).slice(2, 8)}`,
  username: `svc:${role}`,
  password: SERVICE_PASSWORD,
  ...over,
});

async function client(opts: IClientOptions): Promise<MqttClient> {
  const c = await connectAsync(url, { ...baseOptions, ...opts });
  open.push(c);
  return c;
}

/** The CONNACK return code of a refused CONNECT; fails the test if the CONNECT is accepted. */
async function refusal(opts: IClientOptions): Promise<number> {
  try {
    const c = await connectAsync(url, { ...baseOptions, ...opts });
    open.push(c);
  } catch (err) {
    return (err as { code: number }).code;
  }
  throw new Error('CONNECT was accepted');
}

/** SUBACK grants, including 0x80 failures (mqtt.js rejects the promise when any grant failed). */
async function grants(c: MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await c.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    const granted = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw err;
    return granted;
  }
}

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

function inbox(c: MqttClient): Received[] {
  const got: Received[] = [];
  c.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return got;
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return match?.value ?? 0;
}

const connections = (result: string) => metricValue('vectorwatch_broker_connections_total', { result });
const publishesDenied = (reason: string) => metricValue('vectorwatch_broker_publishes_denied_total', { reason });

describe('CONNECT', () => {
  it('accepts a device with its id as username and client id', async () => {
    const before = await connections('accepted');
    const c = await client(asDevice('rodent-001'));
    expect(c.connected).toBe(true);
    expect(await connections('accepted')).toBe(before + 1);
  });

  it('refuses a wrong password with 4 and counts it', async () => {
    const before = await connections('bad_password');
    expect(await refusal(asDevice('rodent-001', { password: 'wrong' }))).toBe(4);
    expect(await connections('bad_password')).toBe(before + 1);
  });

  it('refuses an unknown device with the same code 4', async () => {
    const before = await connections('unknown_device');
    expect(await refusal(asDevice('rodent-999'))).toBe(4);
    expect(await connections('unknown_device')).toBe(before + 1);
  });

  it('refuses a disabled device with 5 (not authorized)', async () => {
    const before = await connections('disabled_device');
    expect(await refusal(asDevice('trap-off-01', { password: 'pw-trap-off' }))).toBe(5);
    expect(await connections('disabled_device')).toBe(before + 1);
  });

  it('refuses a device whose client id is not its id with 2 (identifier rejected)', async () => {
    expect(await refusal(asDevice('rodent-001', { clientId: 'rodent-002' }))).toBe(2);
    expect(await refusal(asDevice('rodent-001', { clientId: '' }))).toBe(2);
  });

  it('refuses a CONNECT without username or password', async () => {
    expect(await refusal({ clientId: 'rodent-001' })).toBe(4);
    expect(await refusal({ clientId: 'rodent-001', username: 'rodent-001' })).toBe(4);
  });

  it('refuses a device whose will is not its status topic', async () => {
    const will = { topic: 'devices/rodent-002/status', payload: Buffer.from('{"online":false}'), qos: 1 as const, retain: true };
    expect(await refusal(asDevice('rodent-001', { will }))).toBe(5);
  });

  it('refuses a service with the wrong password, or a client id outside svc:{role}', async () => {
    expect(await refusal(asService('ingest', { password: 'not-the-service-password' }))).toBe(4);
    expect(await refusal(asService('ingest', { clientId: 'ingest-1' }))).toBe(2);
    expect(await refusal(asService('ingest', { username: 'svc:root' }))).toBe(4);
  });

  it('refuses MQTT 5 with 1 (unacceptable protocol version): aedes 1.2 speaks 3.1 and 3.1.1 only', async () => {
    expect(await refusal(asDevice('rodent-001', { protocolVersion: 5 }))).toBe(1);
  });

  it('accepts MQTT 3.1 (protocol version 3)', async () => {
    const c = await client(asDevice('rodent-001', { protocolVersion: 3 }));
    expect(c.connected).toBe(true);
  });

  it('does not let a refused CONNECT with the same client id take over a live session', async () => {
    const a = await client(asDevice('rodent-001'));
    expect(await refusal(asDevice('rodent-001', { password: 'wrong' }))).toBe(4);
    await a.publishAsync('devices/rodent-001/telemetry', '{}', { qos: 1 }); // PUBACK: still served
    expect(a.connected).toBe(true);
  });
});

describe('ACL', () => {
  it('delivers device telemetry to ingest with retain cleared', async () => {
    const ingest = await client(asService('ingest'));
    const got = inbox(ingest);
    expect(await grants(ingest, ['devices/+/telemetry'])).toEqual([1]);
    const dev = await client(asDevice('rodent-001'));
    await dev.publishAsync('devices/rodent-001/telemetry', '{"seq":1}', { qos: 1, retain: true });
    await until(() => got.length === 1, 'telemetry at ingest');
    expect(got).toEqual([{ topic: 'devices/rodent-001/telemetry', payload: '{"seq":1}', retain: false }]);
  });

  it("drops device A's publish to devices/B/telemetry, acknowledges it, counts it, keeps A connected", async () => {
    const ingest = await client(asService('ingest'));
    const got = inbox(ingest);
    await grants(ingest, ['devices/+/telemetry']);
    const a = await client(asDevice('rodent-001'));
    const before = await publishesDenied('not_permitted');

    await a.publishAsync('devices/rodent-002/telemetry', '{"forged":true}', { qos: 1 });
    await a.publishAsync('devices/rodent-002/telemetry', '{"forged":true}', { qos: 0 });
    await a.publishAsync('devices/rodent-002/telemetry', '{"forged":true}', { qos: 2 });
    await a.publishAsync('devices/rodent-001/telemetry', '{"marker":true}', { qos: 1 });
    await until(() => got.some((m) => m.payload === '{"marker":true}'), 'marker');

    expect(got.map((m) => m.topic)).toEqual(['devices/rodent-001/telemetry']);
    expect(await publishesDenied('not_permitted')).toBe(before + 3);
    expect(a.connected).toBe(true);
  });

  it("keeps device B's topics from device A, retained or live, through wildcards, without disconnecting A", async () => {
    const b = await client(asDevice('rodent-002'));
    await b.publishAsync('devices/rodent-002/status', '{"online":true}', { qos: 1, retain: true });
    const observer = await client(asService('api'));
    const seen = inbox(observer);
    await grants(observer, ['devices/+/status']);
    await until(() => seen.some((m) => m.topic === 'devices/rodent-002/status' && m.retain), 'retained status at api');

    const a = await client(asDevice('rodent-001'));
    const got = inbox(a);
    const deniedBefore = await metricValue('vectorwatch_broker_subscriptions_denied_total', { reason: 'not_permitted' });
    expect(
      await grants(a, ['devices/#', 'devices/+/telemetry', 'devices/rodent-002/status', 'devices/+/status', '#', 'devices/rodent-001/errors']),
    ).toEqual([128, 128, 128, 128, 128, 1]);
    expect(await metricValue('vectorwatch_broker_subscriptions_denied_total', { reason: 'not_permitted' })).toBe(deniedBefore + 5);

    await b.publishAsync('devices/rodent-002/status', '{"online":false}', { qos: 1 });
    await b.publishAsync('devices/rodent-002/telemetry', '{"seq":2}', { qos: 1 });
    await until(() => seen.some((m) => m.payload === '{"online":false}'), 'live status at api');

    const ingest = await client(asService('ingest'));
    await ingest.publishAsync('devices/rodent-001/errors', '{"marker":true}', { qos: 1 });
    await until(() => got.length > 0, 'marker at device A');
    expect(got).toEqual([{ topic: 'devices/rodent-001/errors', payload: '{"marker":true}', retain: false }]);
    expect(a.connected).toBe(true);
    await b.publishAsync('devices/rodent-002/status', '', { qos: 1, retain: true }); // clear the retained status
  });

  it('refuses $SYS/# to devices and services alike, with SUBACK 0x80', async () => {
    const api = await client(asService('api'));
    const dev = await client(asDevice('trap-003'));
    expect(await grants(api, ['$SYS/#', '#'])).toEqual([128, 128]);
    expect(await grants(dev, ['$SYS/#'])).toEqual([128]);
    expect(api.connected && dev.connected).toBe(true);
  });

  it('never stores a retained telemetry reading', async () => {
    const dev = await client(asDevice('trap-003'));
    await dev.publishAsync('devices/trap-003/telemetry', '{"seq":9}', { qos: 1, retain: true });
    await dev.publishAsync('devices/trap-003/status', '{"online":true}', { qos: 1, retain: true });
    const late = await client(asService('rules'));
    const got = inbox(late);
    await grants(late, ['devices/trap-003/telemetry']);
    await grants(late, ['devices/trap-003/status']);
    await until(() => got.length > 0, 'retained status');
    expect(got).toEqual([{ topic: 'devices/trap-003/status', payload: '{"online":true}', retain: true }]);
    await dev.publishAsync('devices/trap-003/status', '', { qos: 1, retain: true });
  });

  it('drops payloads above maxPayloadBytes and counts them', async () => {
    const ingest = await client(asService('ingest'));
    const got = inbox(ingest);
    await grants(ingest, ['devices/+/telemetry']);
    const dev = await client(asDevice('rodent-001'));
    const before = await publishesDenied('too_large');
    await dev.publishAsync('devices/rodent-001/telemetry', Buffer.alloc(MAX_PAYLOAD + 1, 0x61), { qos: 1 });
    await dev.publishAsync('devices/rodent-001/telemetry', Buffer.alloc(MAX_PAYLOAD, 0x62), { qos: 1 });
    await until(() => got.length > 0, 'the payload at the cap');
    expect(got.map((m) => m.payload.length)).toEqual([MAX_PAYLOAD]);
    expect(await publishesDenied('too_large')).toBe(before + 1);
  });

  it('lets ingest publish errors to a device and rules publish alerts to api', async () => {
    const dev = await client(asDevice('rodent-001'));
    const devGot = inbox(dev);
    await grants(dev, ['devices/rodent-001/errors']);
    const api = await client(asService('api'));
    const apiGot = inbox(api);
    await grants(api, ['alerts/#']);
    const ingest = await client(asService('ingest'));
    const rules = await client(asService('rules'));
    await ingest.publishAsync('devices/rodent-001/errors', '{"code":"SCHEMA_INVALID"}', { qos: 1 });
    await rules.publishAsync('alerts/district-yuexiu/rodent', '{"grade":"C"}', { qos: 1 });
    await until(() => devGot.length === 1 && apiGot.length === 1, 'error and alert');
    expect(devGot[0]?.payload).toBe('{"code":"SCHEMA_INVALID"}');
    expect(apiGot[0]?.topic).toBe('alerts/district-yuexiu/rodent');
  });

  it('re-checks every delivery (authorizeForward) against the principal of the receiving client', async () => {
    const ready = new Promise<Client>((resolve) => {
      const onReady = (c: Client) => {
        if (c.id !== 'rodent-002') return;
        broker.aedes.off('clientReady', onReady);
        resolve(c);
      };
      broker.aedes.on('clientReady', onReady);
    });
    await client(asDevice('rodent-002'));
    const aedesClient = await ready;
    const packet = (topic: string) => ({ cmd: 'publish', topic, payload: Buffer.from('{}'), qos: 0, retain: true, dup: false }) as unknown as AedesPublishPacket;
    const before = await metricValue('vectorwatch_broker_forwards_denied_total');

    expect(broker.aedes.authorizeForward(aedesClient, packet('devices/rodent-001/status'))).toBeNull();
    expect(broker.aedes.authorizeForward(aedesClient, packet('$SYS/x/heartbeat'))).toBeNull();
    const own = packet('devices/rodent-002/config');
    expect(broker.aedes.authorizeForward(aedesClient, own)).toBe(own);
    expect(await metricValue('vectorwatch_broker_forwards_denied_total')).toBe(before + 2);
  });
});

describe('sessions', () => {
  it('queues QoS 1 telemetry for a persistent ingest session while it is away', async () => {
    const options = asService('ingest', { clientId: 'svc:ingest-persistent', clean: false });
    const first = await client(options);
    expect(await grants(first, ['devices/+/telemetry'])).toEqual([1]);
    await first.endAsync();

    const dev = await client(asDevice('rodent-002'));
    for (const seq of [1, 2, 3]) await dev.publishAsync('devices/rodent-002/telemetry', `{"seq":${seq}}`, { qos: 1 });

    // Listen before CONNACK: the queued messages follow it immediately.
    const again = connect(url, { ...baseOptions, ...options });
    open.push(again);
    const got = inbox(again);
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      again.once('connect', resolve);
      again.once('error', reject);
    });
    expect(connack.sessionPresent).toBe(true);
    await until(() => got.length === 3, 'queued telemetry');
    expect(got.map((m) => m.payload)).toEqual(['{"seq":1}', '{"seq":2}', '{"seq":3}']);

    // The restored subscription keeps delivering live messages.
    await dev.publishAsync('devices/rodent-002/telemetry', '{"seq":4}', { qos: 1 });
    await until(() => got.length === 4, 'live telemetry after restore');
    await again.endAsync();
    // Leave no session behind for other tests.
    const cleanup = await client({ ...options, clean: true });
    await cleanup.endAsync();
  });

  it('closes a device session on request (disable or rotation) and reports whether one was open', async () => {
    const dev = await client(asDevice('trap-003'));
    const closed = new Promise<void>((resolve) => dev.once('close', () => resolve()));
    expect(broker.disconnectDevice('trap-003')).toBe(true);
    await closed;
    expect(broker.disconnectDevice('trap-003')).toBe(false);
    expect(broker.disconnectDevice('rodent-999')).toBe(false);
  });

  it('reports connected clients in connectedClients() and the gauge', async () => {
    await until(() => broker.connectedClients() === 0, 'no clients from earlier tests');
    await client(asDevice('rodent-001'));
    await client(asService('api'));
    expect(broker.connectedClients()).toBe(2);
    expect(await metricValue('vectorwatch_broker_connected_clients')).toBe(2);
  });
});

describe('listenBroker', () => {
  it('closes even while clients are connected, and the broker outlives it', async () => {
    const second = await listenBroker(broker, { port: 0 });
    const c = await connectAsync(`mqtt://127.0.0.1:${second.port}`, { ...baseOptions, ...asDevice('rodent-002') });
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    await second.close();
    await closed;
    c.end(true);
    const stillServing = await client(asDevice('rodent-002'));
    expect(stillServing.connected).toBe(true);
    expect(second.host).toBe('127.0.0.1');
  });
});
