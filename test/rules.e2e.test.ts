/**
 * Issue 3 end to end through the real stack (aedes over TCP, ingest, a real influxd, the rules engine, the HTTP API):
 * - a water probe sending 2.5 mg/L free chlorine → one alert on MQTT within 2 s; values wobbling around the 2 mg/L
 *   limit → no flapping (one opened, no resolved); back to normal → resolved once;
 * - the simulator raises rodent activity in one district (its stations' activity knob) → one density alert (district and site), nothing in the other district;
 *   acknowledged over HTTP; the engine restarts in the middle → nothing lost, nothing duplicated; activity returns
 *   to the hysteresis band → still active; below the clear threshold → resolved; a silent station is out of the
 *   denominator;
 * - surveys posted over HTTP mix with sensor data in `GET /api/grades` and `GET /api/compliance`.
 * Density uses day periods here (RULES_ALERT_PERIOD_KIND=day) so three days of readings, all inside ingest's accepted
 * window, play out a month's story; the engine's clock is injected and moved from day to day. The proxy limits come
 * from the operator's override pack in rules/local-example (RULE_PACKS_DIR), never from the test.
 */
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../contracts/alert.ts';
import { DeviceRegistrationSchema, type DeviceCredential } from '../contracts/registry.ts';
import { SimulatedDevice } from '../devices-sim/simulated-device.ts';
import { periodOf } from '../rules/periods.ts';
import { publish, sleep, startTestStack, TEST_ADMIN_TOKEN, type TestStack } from './harness.ts';

const LOCAL_PACKS = fileURLToPath(new URL('../rules/local-example/', import.meta.url));
const TZ = 'Asia/Shanghai';
const HOUR = 3_600_000;

let stack: TestStack;
let alertsClient: MqttClient;
const received: { event: AlertEvent; atMs: number }[] = [];

beforeAll(async () => {
  stack = await startTestStack({
    RULE_PACKS_DIR: LOCAL_PACKS,
    RULES_PERIOD_KINDS: 'day',
    RULES_ALERT_PERIOD_KIND: 'day',
    RULES_DENSITY_AUTO_RESOLVE: 'true',
    // Density runs when the test says so; the schedules themselves are covered by the benchmark.
    RULES_EVAL_INTERVAL_MS: '3600000',
    RULES_TICK_MS: '3600000',
  });
  alertsClient = await new Promise<MqttClient>((resolve, reject) => {
    const c = mqtt.connect(stack.mqttUrl, { clientId: 'svc:api-rules-e2e', username: 'svc:api', password: stack.servicePassword, protocolVersion: 4, reconnectPeriod: 0 });
    c.once('connect', () => c.subscribe('alerts/#', { qos: 1 }, (err) => (err ? reject(err) : resolve(c))));
    c.once('error', reject);
  });
  alertsClient.on('message', (_topic, payload) => {
    if (payload.length === 0) return; // a cleared retained topic
    received.push({ event: JSON.parse(payload.toString('utf8')) as AlertEvent, atMs: Date.now() });
  });
});

afterAll(async () => {
  await alertsClient?.endAsync(true).catch(() => undefined);
  await stack?.stop();
});

const eventsOf = (key: string, transition?: string) =>
  received.filter((r) => r.event.alert.key === key && (transition === undefined || r.event.transition === transition));

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${stack.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

describe('water: GB 5749-2022 free chlorine at the tap', () => {
  const id = 'e2e-rules-wp-tap';
  const key = `water.free-chlorine.tap.max@device:${id}`;
  let device: MqttClient;
  let seq = 0;
  const send = (freeChlorineMgL: number) =>
    publish(device, `devices/${id}/telemetry`, JSON.stringify({ v: 1, kind: 'water_probe', seq: ++seq, ts: Date.now(), ph: 7.2, turbidityNtu: 0.2, freeChlorineMgL }));

  beforeAll(async () => {
    const cred = await stack.register({ id, kind: 'water_probe', siteId: 'yx-water-xicun', samplingPoint: 'tap' });
    device = await stack.connectDevice(cred);
    await send(0.6);
  });

  it('2.5 mg/L raises one alert on MQTT within 2 s of the publish', async () => {
    const t0 = Date.now();
    await send(2.5);
    await stack.waitFor(() => eventsOf(key, 'opened').length > 0, { timeoutMs: 2000, intervalMs: 5 });
    const opened = eventsOf(key, 'opened');
    expect(opened).toHaveLength(1);
    const latencyMs = (opened[0]?.atMs ?? Infinity) - t0;
    expect(latencyMs).toBeLessThan(2000);
    expect(opened[0]?.event.alert).toMatchObject({ kind: 'water', state: 'open', value: 2.5, limit: 2, unit: 'mg/L', standard: 'GB 5749-2022', districtId: 'yuexiu' });
    expect(opened[0]?.event.alert.text.zh).toContain('游离氯 2.5 mg/L，超过限值2 mg/L');
  });

  it('values wobbling around the limit neither resolve nor reopen it; repeats are counted, not each published; a real recovery resolves it once', async () => {
    // 2.05, 2.1 and 2.02 are repeat breaches: inside RULES_REPEAT_UPDATE_MS (60 s) they are counted into the alert
    // (the values inside the hysteresis band carry the count along) without an `updated` event each.
    const alertOf = () => stack.alerts.store.list({ kind: 'water' }).filter((a) => a.key === key);
    for (const v of [1.95, 2.05, 1.97, 2.1, 1.92, 2.02]) await send(v);
    await stack.waitFor(() => (alertOf()[0]?.count ?? 0) >= 3, { timeoutMs: 3000 });
    await sleep(300);
    expect(eventsOf(key, 'opened')).toHaveLength(1);
    expect(eventsOf(key, 'updated')).toHaveLength(0);
    expect(eventsOf(key, 'resolved')).toHaveLength(0);
    expect(alertOf().map((a) => [a.state, a.count, a.lastValue])).toEqual([['open', 3, 2.1]]);
    const metrics = await (await fetch(`${stack.httpUrl}/metrics`)).text();
    expect(Number(/vectorwatch_rules_observations_total\{outcome="folded"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);

    await send(0.7);
    await stack.waitFor(() => eventsOf(key, 'resolved').length > 0, { timeoutMs: 3000 });
    await sleep(200);
    expect(eventsOf(key, 'resolved')).toHaveLength(1);
    expect(eventsOf(key, 'resolved')[0]?.event.alert).toMatchObject({ state: 'resolved', resolution: 'auto', count: 4, lastValue: 2.02 });
  });
});

describe('density: rodent activity in one district, with acknowledgement, restart and hysteresis', () => {
  const ruleKey = (scope: string) => `density.rodent.station-positive-rate-indoor@${scope}`;
  const districtKey = ruleKey('district:yuexiu');
  const now = Date.now();
  const days = [2, 1, 0].map((back) => periodOf('day', now - back * 24 * HOUR, TZ));
  // Readings at local noon of the two past days, and a minute ago today (never in the future).
  const tsOf = (day: number) => (day < 2 ? (days[day]?.startMs ?? 0) + 12 * HOUR : Math.max((days[2]?.startMs ?? 0) + 1000, now - 60_000));
  let engineNow = 0;
  // The stations are the simulator's own devices (devices-sim SimulatedDevice with the rodent profile): the test
  // only turns each station's rodent activity up (an infested spot) or down to nothing, day by day.
  const stations: { id: string; device: SimulatedDevice; district: string }[] = [];
  const INFESTED = 1e8; // × the profile's own visit rate: a detection in every report (capped at one per second)
  const activity = new Map<string, number>();
  let reportTs = 0;

  async function report(day: number, positives: Record<string, number>, silent: readonly string[] = []) {
    reportTs = tsOf(day);
    const perDistrict = new Map<string, number>();
    for (const s of stations) {
      if (silent.includes(s.id)) continue;
      const n = perDistrict.get(s.district) ?? 0;
      perDistrict.set(s.district, n + 1);
      activity.set(s.id, n < (positives[s.district] ?? 0) ? INFESTED : 0);
      await s.device.report();
    }
    const sent = stations.filter((s) => !silent.includes(s.id)).map((s) => s.device.records().at(-1));
    expect(sent.every((r) => r?.acked)).toBe(true);
    // Density reads InfluxDB: wait until ingest has stored every reading of the day.
    const expected = stations.length - silent.length;
    const stored = async () => Number((await stack.rows(`SELECT count(seq) FROM rodent_station WHERE time >= ${days[day]?.startMs}ms AND time < ${days[day]?.endMs}ms`))[0]?.count ?? 0);
    await stack.waitFor(async () => (await stored()) >= expected, { timeoutMs: 20_000 });
    expect(await stored()).toBe(expected);
  }
  const evaluate = async (day: number) => {
    engineNow = tsOf(day) + 60_000;
    const engine = stack.rules.engine();
    if (!engine) throw new Error('engine not running');
    return engine.evaluateDensity();
  };
  const restartEngine = async () => {
    await stack.rules.stop();
    await stack.rules.start({ clock: () => engineNow, deferFirstEvaluation: true });
  };
  afterAll(async () => {
    await Promise.all(stations.map((s) => s.device.stop()));
  });
  const districtAlerts = () => stack.alerts.store.list({ kind: 'density', districtId: 'yuexiu' }).filter((a) => a.key === districtKey);

  beforeAll(async () => {
    for (const [district, siteId] of [['yuexiu', 'yx-market-dongshan'], ['tianhe', 'th-market-shipai']] as const) {
      for (let i = 1; i <= 10; i++) {
        const id = `e2e-rules-rs-${district}-${String(i).padStart(2, '0')}`;
        const cred: DeviceCredential = await stack.register({ id, kind: 'rodent_station', siteId, placement: 'indoor' });
        const device = new SimulatedDevice({
          url: stack.mqttUrl, registration: DeviceRegistrationSchema.parse({ id, kind: 'rodent_station', siteId, placement: 'indoor' }),
          password: cred.password, seed: 7, periodS: 900, clock: () => reportTs, activity: () => activity.get(id) ?? 0,
        });
        expect(await device.connect()).toBe(true);
        stations.push({ id, device, district });
      }
    }
    await restartEngine();
  });

  it('day 1: 8 of 10 stations positive in Yuexiu opens one critical district alert (and a site alert), none in Tianhe', async () => {
    await report(0, { yuexiu: 8, tianhe: 0 });
    await evaluate(0);
    await evaluate(0); // the same data again: still one alert
    const alerts = districtAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ state: 'open', severity: 'critical', value: 80, limit: 30, unit: '%', period: days[0]?.label, scope: { level: 'district', id: 'yuexiu' } });
    expect(alerts[0]?.text.zh).toContain('越秀区');
    expect(stack.alerts.store.list({ kind: 'density' }).map((a) => a.key).sort()).toEqual([districtKey, ruleKey('site:yx-market-dongshan')].sort());
    await stack.waitFor(() => eventsOf(districtKey, 'opened').length > 0, { timeoutMs: 3000 });
    expect(eventsOf(districtKey, 'opened')).toHaveLength(1);

    const points = await stack.rows(
      `SELECT value, numerator, denominator, level, limit_c FROM indicator WHERE scope = 'yuexiu' AND indicator = 'station-positive-rate-indoor' AND period = '${days[0]?.label}'`,
    );
    expect(points).toEqual([expect.objectContaining({ value: 80, numerator: 8, denominator: 10, level: 'below_C', limit_c: 30 })]);
  });

  it('is acknowledged over HTTP; an engine restart in the middle loses and duplicates nothing', async () => {
    const [alert] = districtAlerts();
    const ack = await api('POST', `/api/alerts/${alert?.id}/acknowledge`, { note: '已安排承包商加密投放' });
    expect(ack.status).toBe(200);
    expect(ack.json.state).toBe('acknowledged');

    await restartEngine();
    await evaluate(0);
    const after = districtAlerts();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: alert?.id, state: 'acknowledged' });
    expect(stack.alerts.store.events(alert?.id as string).map((e) => e.transition)).toEqual(['opened', 'acknowledged']);
  });

  it('day 2: 3 of 10 (30 %, at the C limit but above the 24 % clear threshold) keeps it; day 3: 1 of 9 resolves it once', async () => {
    await report(1, { yuexiu: 3, tianhe: 1 });
    await evaluate(1);
    expect(districtAlerts()[0]?.state).toBe('acknowledged');
    await restartEngine();

    // One Yuexiu station is silent today: out of the denominator (1 of 9), not a zero.
    await report(2, { yuexiu: 1, tianhe: 0 }, ['e2e-rules-rs-yuexiu-10']);
    await evaluate(2);
    const [done] = districtAlerts();
    expect(done).toMatchObject({ state: 'resolved', resolution: 'auto' });
    expect(stack.alerts.store.events(done?.id as string).map((e) => e.transition)).toEqual(['opened', 'acknowledged', 'resolved']);
    await stack.waitFor(() => eventsOf(districtKey, 'resolved').length > 0, { timeoutMs: 3000 });
    expect(eventsOf(districtKey, 'opened')).toHaveLength(1);
    expect(eventsOf(districtKey, 'resolved')).toHaveLength(1);

    const [point] = await stack.rows(
      `SELECT numerator, denominator, sample_size FROM indicator WHERE scope = 'yuexiu' AND indicator = 'station-positive-rate-indoor' AND period = '${days[2]?.label}'`,
    );
    expect(point).toMatchObject({ numerator: 1, denominator: 9, sample_size: 9 });
  });

  it('surveys posted over HTTP mix with the sensors in the grades and the compliance verdict', async () => {
    const bad = await api('POST', '/api/surveys', { kind: 'rodent_rooms', districtId: 'yuexiu', surveyedAt: new Date(tsOf(0)).toISOString(), roomsChecked: 10, roomsWithSigns: 11 });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/^body\.roomsWithSigns/);

    const posted = await api('POST', '/api/surveys', {
      kind: 'rodent_rooms', districtId: 'yuexiu', siteId: 'yx-market-dongshan', surveyedAt: new Date(tsOf(0)).toISOString(),
      roomsChecked: 200, roomsWithSigns: 4, inspector: '张三',
    });
    expect(posted.status).toBe(201);
    expect(posted.json.id).toEqual(expect.any(String));
    const listed = await api('GET', `/api/surveys?districtId=yuexiu&from=${days[0]?.label}&to=${days[0]?.label}`);
    expect(listed.json.surveys.map((s: { id: string }) => s.id)).toEqual([posted.json.id]);

    const grades = await api('GET', `/api/grades?scope=district:yuexiu&period=${days[0]?.label}`);
    expect(grades.status).toBe(200);
    const rodent = grades.json.vectors.find((v: { vector: string }) => v.vector === 'rodent');
    const byId = Object.fromEntries(rodent.indicators.map((i: { indicatorId: string }) => [i.indicatorId, i]));
    expect(byId['indoor-sign-rate']).toMatchObject({ status: 'graded', value: 2, numerator: 4, denominator: 200, level: 'B', evidence: { devices: 0, surveys: 1 } });
    expect(byId['station-positive-rate-indoor']).toMatchObject({ status: 'graded', value: 80, level: 'below_C', evidence: { devices: 10, surveys: 0 } });
    expect(byId['station-positive-rate-indoor'].ratioToC).toBeCloseTo(80 / 30, 10);
    expect(rodent).toMatchObject({ status: 'graded', level: 'below_C', worstIndicator: 'station-positive-rate-indoor' });

    const compliance = await api('GET', `/api/compliance?scope=district:yuexiu&period=${days[0]?.label}&profile=national`);
    expect(compliance.status).toBe(200);
    expect(compliance.json).toMatchObject({ profile: { id: 'national' }, outcome: 'fail' });
    const unknown = await api('GET', `/api/compliance?scope=district:yuexiu&period=${days[0]?.label}&profile=nope`);
    expect(unknown.status).toBe(400);
    const badScope = await api('GET', `/api/grades?scope=district:atlantis&period=${days[0]?.label}`);
    expect(badScope.status).toBe(404);
    const badPeriod = await api('GET', '/api/grades?scope=city&period=2026-13');
    expect(badPeriod.status).toBe(400);
    expect(badPeriod.json.message).toMatch(/^query\.period/);
  });
});
