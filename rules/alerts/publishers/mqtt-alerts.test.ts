/**
 * mqtt-alerts against the real VectorWatch broker over TCP on port 0, publishing as `svc:rules` and reading as
 * `svc:api`. Absence of a retained message is shown with a marker: a message published after the subscription
 * must arrive, and a retained message would have been sent before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { createBroker, type VectorBroker } from '../../../broker/create-broker.ts';
import { listenBroker, type BrokerListener } from '../../../broker/listen.ts';
import { testDevices } from '../../../broker/test-devices.ts';
import { AlertEventSchema, type AlertEvent } from '../../../contracts/alert.ts';
import { silentLogger } from '../../../platform/logger.ts';
import { openDatabase } from '../../../platform/sqlite.ts';
import type { AlertObservation, AlertRule } from '../alert-rule.ts';
import { createAlertStore } from '../alert-store.ts';
import { createAlertManager, type AlertManager } from '../lifecycle.ts';
import { createMqttAlertsPublisher } from './mqtt-alerts.ts';

const SERVICE_PASSWORD = 'service-secret-0123456789';
const T0 = Date.parse('2026-11-05T02:00:00Z');
let broker: VectorBroker;
let listener: BrokerListener;
let url: string;
const clients: MqttClient[] = [];
let rules: MqttClient;
let manager: AlertManager;

const asService = (role: 'rules' | 'api'): IClientOptions => ({
  clientId: `svc:${role}-${Math.random().toString(36).slice(2, 8)}`,
  username: `svc:${role}`,
  password: SERVICE_PASSWORD,
  protocolVersion: 4,
  reconnectPeriod: 0,
  connectTimeout: 5000,
});

async function client(role: 'rules' | 'api'): Promise<MqttClient> {
  const c = await connectAsync(url, asService(role));
  clients.push(c);
  return c;
}

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** Subscribes as svc:api to alerts/# and collects everything from then on. */
async function subscriber(): Promise<{ messages: Received[]; waitFor(n: number): Promise<Received[]> }> {
  const c = await client('api');
  const messages: Received[] = [];
  c.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain }));
  await c.subscribeAsync('alerts/#', { qos: 1 });
  return {
    messages,
    async waitFor(n) {
      const deadline = Date.now() + 5000;
      while (messages.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return messages;
    },
  };
}

const parse = (m: Received): AlertEvent => AlertEventSchema.parse(JSON.parse(m.payload));

const lidRule: AlertRule = {
  id: 'device.lid-open',
  subject: { kind: 'device_health', condition: 'lid_open' },
  condition: { fire: { threshold: 1, direction: 'above', inclusive: true } },
  severity: { type: 'fixed', severity: 'minor' },
  unit: '',
  standard: '',
};
const obs = (value: number, atMs: number): AlertObservation => ({
  value, atMs, scope: { level: 'device', id: 'rodent-001' }, districtId: 'chaoyang', siteId: 'market-01', deviceId: 'rodent-001',
  place: { district: { zh: '朝阳区', en: 'Chaoyang District' } },
});

beforeAll(async () => {
  broker = await createBroker({ devices: testDevices({}), servicePassword: SERVICE_PASSWORD, logger: silentLogger });
  listener = await listenBroker(broker, { port: 0 });
  url = `mqtt://127.0.0.1:${listener.port}`;
  rules = await client('rules');
  const db = openDatabase(':memory:');
  let clock = T0;
  manager = createAlertManager({
    store: createAlertStore(db),
    clock: () => (clock += 1000),
    publish: [createMqttAlertsPublisher({ client: rules, ackTimeoutMs: 5000 })],
    logger: silentLogger,
  });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await listener?.close();
  await broker?.close();
});

describe('mqtt alerts publisher', () => {
  it('keeps the current state retained for late subscribers and clears it on resolve', async () => {
    const opened = await manager.observe(lidRule, obs(1, T0));
    const topic = `alerts/chaoyang/${opened.alert!.id}`;

    const late = await subscriber();
    const [retained] = await late.waitFor(1);
    expect(retained).toMatchObject({ topic, retain: true });
    expect(parse(retained!)).toMatchObject({ transition: 'opened', alert: { id: opened.alert!.id, state: 'open', kind: 'device_health' } });

    await manager.acknowledge(opened.alert!.id, 'li.na', '已通知保洁');
    const later = await subscriber();
    const [acked] = await later.waitFor(1);
    expect(acked).toMatchObject({ topic, retain: true });
    expect(parse(acked!)).toMatchObject({ transition: 'acknowledged', actor: 'li.na', alert: { state: 'acknowledged' } });

    await manager.observe(lidRule, obs(0, T0 + 60_000));
    const live = await late.waitFor(4);
    // opened (retained), acknowledged (live), resolved (live, once), then the empty payload that clears the topic.
    expect(live.map((m) => [m.topic, m.retain, m.payload === '' ? 'empty' : parse(m).transition])).toEqual([
      [topic, true, 'opened'],
      [topic, false, 'acknowledged'],
      [topic, false, 'resolved'],
      [topic, false, 'empty'],
    ]);

    const afterResolve = await subscriber();
    const marker = 'alerts/chaoyang/marker-0001';
    await rules.publishAsync(marker, 'marker', { qos: 1 });
    const seen = await afterResolve.waitFor(1);
    expect(seen.map((m) => m.topic)).toEqual([marker]);
  });
});
