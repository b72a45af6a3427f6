/**
 * The topic ACL beyond the spine's table tests: properties over arbitrary topics (fast-check), then attacks
 * through the real broker over TCP — wildcard and `$SYS` subscriptions, retained messages a client may not
 * read, forged alerts and forged status, device ids with `/`, `+`, `#` or unicode look-alikes, and topics
 * that would name another device after some normalisation.
 *
 * Absence of delivery is asserted with a marker (as in broker.test.ts): after the message that must not
 * arrive, a message that must arrive is sent by the same publisher to the same receiver.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { DEVICE_CHANNELS, deviceTopic } from '../contracts/topics.ts';
import { silentLogger } from '../platform/logger.ts';
import { mayPublish, mayReceive, maySubscribe } from './acl.ts';
import { createBroker, type VectorBroker } from './create-broker.ts';
import { listenBroker, type BrokerListener } from './listen.ts';
import { SERVICE_ROLES, type Principal } from './principal.ts';
import { testDevices } from './test-devices.ts';

const CHANNELS = Object.keys(DEVICE_CHANNELS);
const deviceIdArb = fc.stringMatching(/^[A-Za-z0-9_-]{3,12}$/);
/** Topic-ish strings: levels drawn from ids, channels, wildcards, look-alikes, `$` names and arbitrary unicode. */
const levelArb = fc.oneof(
  deviceIdArb,
  fc.constantFrom('devices', 'alerts', '$SYS', '$vectorwatch', '+', '#', '', ...CHANNELS, 'rѕ-001' /* Cyrillic ѕ */, 'ｒｓ-001', 'rs-001\u200b', 'rs-001 '),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);
const topicArb = fc.array(levelArb, { minLength: 1, maxLength: 5 }).map((levels) => levels.join('/'));
const principalArb: fc.Arbitrary<Principal> = fc.oneof(
  deviceIdArb.map((id): Principal => ({ type: 'device', id })),
  fc.constantFrom(...SERVICE_ROLES).map((role): Principal => ({ type: 'service', role })),
);

describe('ACL properties (any topic, any principal)', () => {
  it('a device publishes only its own telemetry and status', () => {
    fc.assert(
      fc.property(deviceIdArb, topicArb, (id, topic) => {
        const own = [deviceTopic(id, 'telemetry'), deviceTopic(id, 'status')];
        expect(mayPublish({ type: 'device', id }, topic)).toBe(own.includes(topic));
      }),
      { numRuns: 2000 },
    );
  });

  it('a device subscribes to and receives only its own errors and config, never through a wildcard', () => {
    fc.assert(
      fc.property(deviceIdArb, topicArb, (id, topic) => {
        const own = [deviceTopic(id, 'errors'), deviceTopic(id, 'config')];
        expect(maySubscribe({ type: 'device', id }, topic)).toBe(own.includes(topic));
        expect(mayReceive({ type: 'device', id }, topic)).toBe(own.includes(topic));
      }),
      { numRuns: 2000 },
    );
  });

  it('nobody publishes, subscribes to or receives a `$` topic', () => {
    fc.assert(
      fc.property(principalArb, topicArb, (p, rest) => {
        for (const topic of [`$${rest}`, `$SYS/${rest}`, '$SYS/#', '$vectorwatch/dropped']) {
          expect(mayPublish(p, topic)).toBe(false);
          expect(maySubscribe(p, topic)).toBe(false);
          expect(mayReceive(p, topic)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('whatever anyone may receive under devices/ names exactly one well-formed device', () => {
    fc.assert(
      fc.property(principalArb, topicArb, (p, topic) => {
        if (mayReceive(p, topic) && topic.startsWith('devices/')) {
          expect(topic).toMatch(/^devices\/[A-Za-z0-9_-]{3,64}\/(telemetry|status|errors|config)$/);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a subscription granted to anyone only ever delivers topics it may receive', () => {
    // maySubscribe(filter) must imply mayReceive for every topic the filter matches: sampled by building
    // topics from the filter's levels.
    fc.assert(
      fc.property(principalArb, topicArb, fc.array(deviceIdArb, { minLength: 3, maxLength: 3 }), (p, filter, fill) => {
        if (!maySubscribe(p, filter)) return;
        const levels = filter.split('/');
        const topic = levels.flatMap((l, i) => (l === '+' ? [fill[i % 3]!] : l === '#' ? [fill[0]!, 'status'] : [l])).join('/');
        if (!topic.startsWith('devices/') || /^devices\/[^/]+\/(telemetry|status|errors|config)$/.test(topic)) {
          if (levels.at(-1) !== '#') expect(mayReceive(p, topic)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

// ——— through the broker ———

const SERVICE_PASSWORD = 'service-secret-0123456789';
const devices = testDevices({
  'rs-001': { password: 'pw-rs-001', status: 'active' },
  'rs-002': { password: 'pw-rs-002', status: 'active' },
  'RS-002': { password: 'pw-RS-002', status: 'active' },
});

let broker: VectorBroker;
let listener: BrokerListener;
let metrics: Registry;
let url: string;
const open: MqttClient[] = [];

beforeAll(async () => {
  metrics = new Registry();
  broker = await createBroker({ devices, servicePassword: SERVICE_PASSWORD, logger: silentLogger, metrics });
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

const base: IClientOptions = { reconnectPeriod: 0, connectTimeout: 3000, protocolVersion: 4 };
const asDevice = (id: string): IClientOptions => ({ ...base, clientId: id, username: id, password: `pw-${id}` });
const asService = (role: string): IClientOptions => ({ ...base, clientId: `svc:${role}-${Math.random().toString(36).slice(2, 8)}`, username: `svc:${role}`, password: SERVICE_PASSWORD });

async function client(opts: IClientOptions): Promise<MqttClient> {
  const c = await connectAsync(url, opts);
  open.push(c);
  return c;
}

async function grants(c: MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await c.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    const granted = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw err;
    return granted;
  }
}

interface Got {
  topic: string;
  payload: string;
  retain: boolean;
}
function inbox(c: MqttClient): Got[] {
  const got: Got[] = [];
  c.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return got;
}

async function connectCode(opts: IClientOptions): Promise<number | 'accepted'> {
  try {
    const c = await connectAsync(url, opts);
    await c.endAsync(true);
    return 'accepted';
  } catch (err) {
    return (err as { code: number }).code;
  }
}

describe('wildcard and $SYS subscriptions', () => {
  it('a device gets 0x80 for every wildcard, $SYS, $share and other-device filter, and stays connected', async () => {
    const dev = await client(asDevice('rs-001'));
    const filters = ['#', '+', '+/+/+', 'devices/#', 'devices/+/errors', 'devices/rs-001/#', 'devices/rs-001/+', 'devices/rs-002/errors',
      '$SYS/#', '$SYS/+/heartbeat', '$vectorwatch/dropped', '$share/g/devices/+/telemetry', 'alerts/#'];
    expect(await grants(dev, filters)).toEqual(filters.map(() => 0x80));
    expect(await grants(dev, ['devices/rs-001/errors'])).toEqual([1]);
    expect(dev.connected).toBe(true);
  });

  it('services cannot widen their grant or read $SYS, whatever the role', async () => {
    for (const role of SERVICE_ROLES) {
      const svc = await client(asService(role));
      expect(await grants(svc, ['#', 'devices/#', 'devices/+/+', '$SYS/#', '$SYS/+/new/clients'])).toEqual([0x80, 0x80, 0x80, 0x80, 0x80]);
    }
  });

  it("aedes' own $SYS announcements never reach a client", async () => {
    const svc = await client(asService('api'));
    const got = inbox(svc);
    await grants(svc, ['devices/+/status']);
    // A new client makes aedes publish $SYS/{id}/new/clients; the marker follows it.
    const dev = await client(asDevice('rs-002'));
    await dev.publishAsync('devices/rs-002/status', '{"online":true}', { qos: 1 });
    await expect.poll(() => got.length).toBe(1);
    expect(got.map((m) => m.topic)).toEqual(['devices/rs-002/status']);
  });
});

describe('retained messages on topics the client may not read', () => {
  it("a device never sees another device's retained status, and telemetry is never retained", async () => {
    const b = await client(asDevice('rs-002'));
    await b.publishAsync('devices/rs-002/status', '{"online":true}', { qos: 1, retain: true });
    await b.publishAsync('devices/rs-002/telemetry', '{"retained":"reading"}', { qos: 1, retain: true });

    const a = await client(asDevice('rs-001'));
    const got = inbox(a);
    await grants(a, ['devices/rs-002/status', 'devices/+/status', '#', 'devices/rs-001/errors']);
    const ingest = await client(asService('ingest'));
    await ingest.publishAsync('devices/rs-001/errors', 'marker', { qos: 1 });
    await expect.poll(() => got.length).toBe(1);
    expect(got).toEqual([{ topic: 'devices/rs-001/errors', payload: 'marker', retain: false }]);

    // A service subscribing afterwards gets the retained status, but no retained reading.
    const api = await client(asService('api'));
    const apiGot = inbox(api);
    await grants(api, ['devices/rs-002/status', 'devices/rs-002/telemetry']);
    await expect.poll(() => apiGot.length).toBe(1);
    expect(apiGot[0]).toMatchObject({ topic: 'devices/rs-002/status', retain: true });
  });

  it('a retained alert is not readable by a device, even with a persistent session', async () => {
    const rules = await client(asService('rules'));
    await rules.publishAsync('alerts/yuexiu/density', '{"grade":"C"}', { qos: 1, retain: true });
    const a = await client({ ...asDevice('rs-001'), clean: false });
    const got = inbox(a);
    expect(await grants(a, ['alerts/#', 'alerts/yuexiu/density'])).toEqual([0x80, 0x80]);
    await a.endAsync();
    open.splice(open.indexOf(a), 1);
    const again = await client({ ...asDevice('rs-001'), clean: false });
    const gotAgain = inbox(again);
    const ingest = await client(asService('ingest'));
    await ingest.publishAsync('devices/rs-001/errors', 'marker', { qos: 1 });
    await grants(again, ['devices/rs-001/errors']);
    await ingest.publishAsync('devices/rs-001/errors', 'marker', { qos: 1 });
    await expect.poll(() => gotAgain.length).toBeGreaterThanOrEqual(1);
    expect([...got, ...gotAgain].every((m) => m.topic === 'devices/rs-001/errors')).toBe(true);
  });
});

describe('forged publishes', () => {
  async function watcher(): Promise<Got[]> {
    const api = await client(asService('api'));
    const got = inbox(api);
    await grants(api, ['devices/+/telemetry', 'devices/+/status', 'alerts/#']);
    // Retained messages of earlier tests arrive with the SUBACK; only live deliveries count from here.
    await new Promise((r) => setTimeout(r, 100));
    got.length = 0;
    return got;
  }

  it("a device cannot publish alerts or another device's status, not even retained; the forgery is not stored", async () => {
    const b = await client(asDevice('rs-002'));
    await b.publishAsync('devices/rs-002/status', '{"online":true}', { qos: 1, retain: true });
    const got = await watcher();
    const a = await client(asDevice('rs-001'));
    await a.publishAsync('alerts/yuexiu/density', '{"grade":"A"}', { qos: 1, retain: true });
    await a.publishAsync('alerts', 'x', { qos: 1 });
    await a.publishAsync('devices/rs-002/status', '{"online":false}', { qos: 1, retain: true });
    await a.publishAsync('devices/rs-001/telemetry', 'marker', { qos: 1 });
    await expect.poll(() => got.length).toBe(1);
    expect(got.map((m) => m.payload)).toEqual(['marker']);
    expect(a.connected).toBe(true);

    // Nothing was retained under the forged topics either.
    const late = await client(asService('api'));
    const lateGot = inbox(late);
    await grants(late, ['devices/rs-002/status', 'alerts/#']);
    await new Promise((r) => setTimeout(r, 200));
    // B's own retained status is there; the forged ones are not.
    expect(lateGot).toContainEqual({ topic: 'devices/rs-002/status', payload: '{"online":true}', retain: true });
    expect(lateGot.filter((m) => ['{"online":false}', '{"grade":"A"}', 'x'].includes(m.payload))).toEqual([]);
  });

  it('services cannot publish outside their grant (ingest → alerts, api → anything)', async () => {
    const got = await watcher();
    const ingest = await client(asService('ingest'));
    await ingest.publishAsync('alerts/x', 'forged', { qos: 1 });
    await ingest.publishAsync('devices/rs-001/telemetry', 'forged', { qos: 1 });
    const api = await client(asService('api'));
    await api.publishAsync('devices/rs-002/status', 'forged', { qos: 1 });
    const dev = await client(asDevice('rs-001'));
    await dev.publishAsync('devices/rs-001/telemetry', 'marker', { qos: 1 });
    await expect.poll(() => got.length).toBe(1);
    expect(got.map((m) => m.payload)).toEqual(['marker']);
  });
});

describe('device ids and topics that would name another device', () => {
  it.each([
    ['rs/001', 'a slash'],
    ['rs+001', 'a plus'],
    ['rs#001', 'a hash'],
    ['rѕ-001', 'a Cyrillic ѕ'],
    ['ｒｓ-001', 'fullwidth letters (NFKC → rs-001)'],
    ['rs-001\u200b', 'a zero-width space'],
    ['rs-00\u0031\u0301', 'a combining accent'],
    ['$SYS', 'a $ name'],
  ])('username %j (%s) is refused with 4 without asking the registry', async (username) => {
    const before = devices.calls.length;
    expect(await connectCode({ ...base, clientId: username, username, password: 'pw-rs-001' })).toBe(4);
    expect(devices.calls.length).toBe(before);
  });

  it('ids are case-sensitive: rs-002 and RS-002 are two devices and cannot write for each other', async () => {
    const got: Got[] = [];
    const api = await client(asService('api'));
    api.on('message', (topic, p) => got.push({ topic, payload: p.toString(), retain: false }));
    await grants(api, ['devices/+/telemetry']);
    const lower = await client(asDevice('rs-002'));
    await lower.publishAsync('devices/RS-002/telemetry', 'forged', { qos: 1 });
    await lower.publishAsync('devices/rs-002/telemetry', 'marker', { qos: 1 });
    await expect.poll(() => got.length).toBe(1);
    expect(got).toEqual([{ topic: 'devices/rs-002/telemetry', payload: 'marker', retain: false }]);
  });

  it('topics that normalise, decode or trim to rs-002 are dropped and counted, never delivered', async () => {
    const got = inbox(await client(asService('api')));
    await grants(open.at(-1)!, ['devices/+/telemetry']);
    const a = await client(asDevice('rs-001'));
    const before = (await metrics.getSingleMetric('vectorwatch_broker_publishes_denied_total')!.get()).values.reduce((s, v) => s + v.value, 0);
    const forged = [
      'devices/ｒｓ-002/telemetry', // fullwidth: NFKC → rs-002
      'devices/rѕ-002/telemetry', // Cyrillic ѕ
      'devices/rs-002\u200b/telemetry', // zero-width space
      'devices/rs%2D002/telemetry', // percent-encoded '-'
      'devices/rs-002 /telemetry', // trailing space
      'devices/./rs-002/telemetry', // path-like
      'devices/rs-001/../rs-002/telemetry',
      'devices/rs-002/telemetry/', // trailing level
      'devices//rs-002/telemetry',
      'Devices/rs-002/telemetry',
      'devices/rs-002/Telemetry',
      'devices/rs-002/ｔelemetry',
    ];
    for (const topic of forged) await a.publishAsync(topic, 'forged', { qos: 1 });
    await a.publishAsync('devices/rs-001/telemetry', 'marker', { qos: 1 });
    await expect.poll(() => got.length).toBe(1);
    expect(got.map((m) => m.topic)).toEqual(['devices/rs-001/telemetry']);
    const after = (await metrics.getSingleMetric('vectorwatch_broker_publishes_denied_total')!.get()).values.reduce((s, v) => s + v.value, 0);
    expect(after - before).toBe(forged.length);
    expect(a.connected).toBe(true);
  });
});
