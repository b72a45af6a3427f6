import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceErrorMessage } from '../contracts/device-errors.ts';
import { silentLogger } from '../platform/logger.ts';
import type { IncomingMessage } from './incoming-message.ts';
import { createMqttSource, type MqttSource } from './mqtt-source.ts';
import { startTestBroker, subscribed, waitFor, type TestBroker } from './test-broker.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function broker(port?: number): Promise<TestBroker> {
  const b = await startTestBroker(port === undefined ? {} : { port });
  cleanups.push(() => b.close());
  return b;
}

async function device(url: string, id = 'rs-001'): Promise<MqttClient> {
  const c = await connectAsync(url, { clientId: id, protocolVersion: 4, reconnectPeriod: 0 });
  cleanups.push(() => c.endAsync(true));
  return c;
}

function source(url: string, clock = () => 1234): MqttSource & { received: IncomingMessage[] } {
  const s = createMqttSource({
    url,
    username: 'svc:ingest',
    password: 'unused-by-this-broker',
    clientId: 'svc:ingest',
    logger: silentLogger,
    clock,
    reconnect: { initialMs: 50, maxMs: 200 },
  });
  const received: IncomingMessage[] = [];
  void (async () => {
    for await (const m of s.messages) received.push(m);
  })();
  cleanups.push(() => s.close());
  return Object.assign(s, { received });
}

describe('createMqttSource (real aedes over TCP)', () => {
  it('yields QoS 1 telemetry of every device with raw bytes and the receipt clock, and nothing else', async () => {
    const b = await broker();
    const ready = subscribed(b.aedes, 'devices/+/telemetry');
    const s = source(b.url);
    await ready;
    const d = await device(b.url);
    await d.publishAsync('devices/rs-001/status', '{"online":true}', { qos: 1 });
    await d.publishAsync('devices/rs-001/telemetry', Buffer.from([0xff, 0x01]), { qos: 1 });
    await d.publishAsync('devices/mt-002/telemetry', '{"v":1}', { qos: 1 });
    await waitFor(() => s.received.length === 2, 5000, 'two messages');
    expect(s.received[0]).toEqual({ topic: 'devices/rs-001/telemetry', payload: Buffer.from([0xff, 0x01]), receivedAtMs: 1234, ack: expect.any(Function) });
    expect(s.received[1]?.topic).toBe('devices/mt-002/telemetry');
  });

  it('publishes an error to devices/{id}/errors at QoS 1, not retained', async () => {
    const b = await broker();
    const s = source(b.url);
    const d = await device(b.url);
    await d.subscribeAsync('devices/rs-001/errors', { qos: 1 });
    const got: { payload: string; retain: boolean; qos: number }[] = [];
    d.on('message', (_t, payload, packet) => got.push({ payload: payload.toString(), retain: packet.retain, qos: packet.qos }));
    const err: DeviceErrorMessage = { seq: 7, code: 'SCHEMA_INVALID', message: 'visits: Too small', issues: [{ path: 'visits', message: 'Too small' }] };
    await s.publishError('rs-001', err);
    await waitFor(() => got.length === 1, 5000, 'error message');
    expect(got[0]).toEqual({ payload: JSON.stringify(err), retain: false, qos: 1 });

    const late = await device(b.url, 'rs-late');
    const lateGot: string[] = [];
    late.on('message', (_t, p) => lateGot.push(p.toString()));
    await late.subscribeAsync('devices/rs-001/errors', { qos: 1 });
    await new Promise((r) => setTimeout(r, 100));
    expect(lateGot).toEqual([]);
  });

  it('keeps its session: readings published while it is away arrive when it reconnects', async () => {
    const b = await broker();
    const ready = subscribed(b.aedes, 'devices/+/telemetry');
    const first = source(b.url);
    await ready;
    await first.close();
    const d = await device(b.url);
    for (let i = 0; i < 3; i++) await d.publishAsync('devices/rs-001/telemetry', `{"seq":${i}}`, { qos: 1 });

    const second = source(b.url);
    await waitFor(() => second.received.length === 3, 5000, 'queued messages');
    expect(second.received.map((m) => m.payload.toString())).toEqual(['{"seq":0}', '{"seq":1}', '{"seq":2}']);
  });

  it('reconnects with backoff after the broker restarts and subscribes again on the new session', async () => {
    const b = await broker();
    const s = source(b.url);
    await waitFor(() => s.connected(), 5000, 'connect');
    await b.close();
    await waitFor(() => !s.connected(), 5000, 'disconnect');
    await new Promise((r) => setTimeout(r, 300)); // several failed attempts while nothing listens

    const again = await broker(b.port);
    await waitFor(() => s.connected(), 5000, 'reconnect');
    const d = await device(again.url);
    await waitFor(async () => {
      await d.publishAsync('devices/rs-001/telemetry', 'after-restart', { qos: 1 });
      return s.received.length > 0;
    }, 5000, 'message after restart');
    expect(s.received[0]?.payload.toString()).toBe('after-restart');
  });

  it('ends its message stream on close()', async () => {
    const b = await broker();
    const s = createMqttSource({ url: b.url, username: 'u', password: 'p', clientId: 'svc:ingest', logger: silentLogger });
    await waitFor(() => s.connected(), 5000, 'connect');
    const done = (async () => {
      for await (const _ of s.messages) void _;
      return 'ended';
    })();
    await s.close();
    expect(await done).toBe('ended');
    expect(s.connected()).toBe(false);
  });

  it('holds each PUBACK until the message is acknowledged, in arrival order; unacknowledged ones come again after a reconnect', async () => {
    const b = await broker();
    const pubacks: string[] = [];
    b.aedes.on('ack', (packet, client) => {
      if (client?.id === 'svc:ingest' && packet && 'payload' in packet) pubacks.push(String(packet.payload));
    });
    let ingestConnection: { destroy(): void } | undefined;
    b.aedes.on('client', (c) => {
      if (c.id === 'svc:ingest') ingestConnection = c.conn;
    });
    const ready = subscribed(b.aedes, 'devices/+/telemetry');
    const s = source(b.url);
    await ready;
    const d = await device(b.url);
    for (const n of ['m1', 'm2', 'm3']) await d.publishAsync('devices/rs-001/telemetry', n, { qos: 1 });
    await waitFor(() => s.received.length === 3, 5000, 'three messages');
    await new Promise((r) => setTimeout(r, 100));
    expect(pubacks).toEqual([]); // received and handed on, but not acknowledged

    s.received[1]?.ack?.();
    await new Promise((r) => setTimeout(r, 100));
    expect(pubacks).toEqual([]); // m2 waits for m1 [MQTT-4.6.0-2]
    s.received[0]?.ack?.();
    await waitFor(() => pubacks.length === 2, 5000, 'two PUBACKs');
    expect(pubacks).toEqual(['m1', 'm2']);

    // m3 was never acknowledged: after the connection drops, the broker delivers it again, and nothing else.
    const firstCopy = s.received[2]!;
    ingestConnection?.destroy();
    await waitFor(() => s.received.length === 4, 5000, 'redelivery');
    firstCopy.ack?.(); // too late: its PUBACK belongs to the dead connection and is not sent
    expect(s.received[3]?.payload.toString()).toBe('m3');
    s.received[3]?.ack?.();
    await waitFor(() => pubacks.length === 3, 5000, 'third PUBACK');
    expect(pubacks).toEqual(['m1', 'm2', 'm3']);
  });
});
