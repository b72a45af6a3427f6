import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../contracts/alert.ts';
import { silentLogger } from '../../platform/logger.ts';
import { openDatabase, type DatabaseSync } from '../../platform/sqlite.ts';
import type { AlertObservation, AlertRule } from './alert-rule.ts';
import { createAlertStore, type AlertStore } from './alert-store.ts';
import { createAlertManager, type AlertManager } from './lifecycle.ts';
import type { AlertPublisher } from './publishers/publisher.ts';
import { DEFAULT_DENSITY_SEVERITY } from './severity.ts';

const T0 = Date.parse('2026-11-30T16:00:00Z');
const MIN = 60_000;
const dbs: DatabaseSync[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.isOpen) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const densityRule: AlertRule = {
  id: 'density.rodent.indoor-sign-rate',
  subject: { kind: 'density', indicator: { id: 'indoor-sign-rate', name: { zh: '室内鼠迹阳性率', en: 'Indoor rodent-sign positive rate' } } },
  condition: { fire: { threshold: 5, direction: 'above', inclusive: false }, clear: { threshold: 4.5 } },
  severity: DEFAULT_DENSITY_SEVERITY,
  unit: '%',
  standard: 'GB/T 27770-2011',
};
const batteryRule: AlertRule = {
  id: 'device.battery-low',
  subject: { kind: 'device_health', condition: 'battery_low' },
  condition: { fire: { threshold: 15, direction: 'below', inclusive: false }, clear: { threshold: 25 } },
  severity: { type: 'fixed', severity: 'minor' },
  unit: '%',
  standard: '',
};
const dengueRule: AlertRule = {
  id: 'dengue.breteau-index',
  subject: { kind: 'dengue', index: { id: 'breteau-index', name: { zh: '布雷图指数', en: 'Breteau index' } } },
  condition: { fire: { threshold: 5, direction: 'above', inclusive: true } },
  severity: { type: 'steps', base: 'info', steps: [{ from: 5, severity: 'minor' }, { from: 10, severity: 'major' }, { from: 20, severity: 'critical' }] },
  unit: '',
  standard: '登革热媒介伊蚊监测指南',
};

const place = { district: { zh: '朝阳区', en: 'Chaoyang District' } };
const districtObs = (value: number, atMs: number): AlertObservation => ({
  value, atMs, scope: { level: 'district', id: 'chaoyang' }, districtId: 'chaoyang', place,
  period: { id: '2026-11', zh: '2026年11月', en: 'November 2026' },
});
const deviceObs = (value: number, atMs: number): AlertObservation => ({
  value, atMs, scope: { level: 'device', id: 'rodent-001' }, districtId: 'chaoyang', siteId: 'market-01', deviceId: 'rodent-001',
  place: { ...place, site: { zh: '三里屯市场', en: 'Sanlitun Market' } },
});

function recorder(name = 'fake'): AlertPublisher & { events: AlertEvent[] } {
  const events: AlertEvent[] = [];
  return { name, events, publish: async (e) => void events.push(e) };
}

interface Harness {
  db: DatabaseSync;
  manager: AlertManager;
  store: AlertStore;
  pub: ReturnType<typeof recorder>;
  clock: { now: number };
}

function harness(db: DatabaseSync = openDatabase(':memory:'), publishers?: AlertPublisher[]): Harness {
  dbs.push(db);
  const clock = { now: T0 };
  const store = createAlertStore(db);
  const pub = recorder();
  const manager = createAlertManager({ store, clock: () => clock.now, publish: publishers ?? [pub], logger: silentLogger });
  return { db, manager, store, pub, clock };
}

describe('alert manager', () => {
  it('leaves transitions made by a process without publishers (the API alone) for another process to publish', async () => {
    const db = openDatabase(':memory:');
    const api = harness(db, []);
    const rules = harness(db);
    const { alert } = await rules.manager.observe(batteryRule, deviceObs(8, T0));
    await api.manager.acknowledge(alert!.id, 'li.lei', '已安排更换电池');
    expect(rules.pub.events.map((e) => e.transition)).toEqual(['opened']);
    expect(await rules.manager.redeliver()).toBe(1);
    expect(rules.pub.events.map((e) => e.transition)).toEqual(['opened', 'acknowledged']);
    expect(await rules.manager.redeliver()).toBe(0);
  });

  it('auto-resolves a device alert when the condition clears, not inside the hysteresis band', async () => {
    const { manager, pub } = harness();
    const opened = await manager.observe(batteryRule, deviceObs(8, T0));
    expect(opened).toMatchObject({ decision: 'fire', transition: 'opened', alert: { kind: 'device_health', state: 'open', severity: 'minor' } });
    expect(opened.alert?.text.zh).toBe('朝阳区 三里屯市场 设备 rodent-001，电量 8%，低于15%');
    expect((await manager.observe(batteryRule, deviceObs(20, T0 + MIN))).transition).toBeNull();
    const cleared = await manager.observe(batteryRule, deviceObs(30, T0 + 2 * MIN));
    expect(cleared).toMatchObject({ decision: 'clear', transition: 'resolved', alert: { state: 'resolved', resolution: 'auto', resolvedBy: 'system' } });
    expect(pub.events.map((e) => e.transition)).toEqual(['opened', 'resolved']);
  });

  it('keeps a density alert open after the value recovers until a person resolves it with a corrective action', async () => {
    const { manager, store, pub } = harness();
    const { alert } = await manager.observe(densityRule, districtObs(6.2, T0));
    expect(alert?.text.zh).toBe('朝阳区 2026年11月 室内鼠迹阳性率 6.2%，超过C级限值5%（GB/T 27770-2011）');
    const cleared = await manager.observe(densityRule, districtObs(3, T0 + MIN));
    expect(cleared).toMatchObject({ decision: 'clear', transition: null, alert: { state: 'open' } });

    await expect(manager.resolve(alert!.id, 'wang.fang', '已处理')).rejects.toMatchObject({ code: 'CORRECTIVE_ACTION_REQUIRED' });
    expect(store.get(alert!.id)?.state).toBe('open');
    const resolved = await manager.resolve(alert!.id, 'wang.fang', '复查合格', { correctiveAction: '封堵鼠洞 3 处，布放毒饵站 12 个' });
    expect(resolved).toMatchObject({ state: 'resolved', resolution: 'manual', resolvedBy: 'wang.fang', correctiveAction: '封堵鼠洞 3 处，布放毒饵站 12 个' });
    await expect(manager.acknowledge(alert!.id, 'x')).rejects.toMatchObject({ code: 'ALERT_ALREADY_RESOLVED' });
    expect(pub.events.map((e) => e.transition)).toEqual(['opened', 'resolved']);
  });

  it('auto-resolves density alerts only when configured', async () => {
    const db = openDatabase(':memory:');
    dbs.push(db);
    const pub = recorder();
    const manager = createAlertManager({ store: createAlertStore(db), clock: () => T0, publish: [pub], autoResolve: { density: true }, logger: silentLogger });
    await manager.observe(densityRule, districtObs(6.2, T0));
    expect((await manager.observe(densityRule, districtObs(4, T0 + MIN))).alert).toMatchObject({ state: 'resolved', resolution: 'auto' });
  });

  it('folds repeat breaches into the open alert; a wobble at the limit raises one alert', async () => {
    const { manager, store } = harness();
    for (const [i, v] of [5.1, 4.9, 5.1, 4.9, 5.1].entries()) await manager.observe(densityRule, districtObs(v, T0 + i * MIN));
    const alerts = store.list();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ count: 3, value: 5.1, lastValue: 5.1, state: 'open' });
  });

  it.each([
    [5.5, 'minor'],
    [7.5, 'minor'],
    [7.6, 'major'],
    [10, 'major'],
    [10.1, 'critical'],
  ] as const)('grades density %s (%%) against a C limit of 5 %% as %s', async (value, severity) => {
    const { manager } = harness();
    expect((await manager.observe(densityRule, districtObs(value, T0))).alert?.severity).toBe(severity);
  });

  it('raises the severity of a dengue alert as the band rises and names the bands', async () => {
    const { manager } = harness();
    const low = { zh: '低度风险', en: 'low risk' };
    const medium = { zh: '中度风险', en: 'medium risk' };
    await manager.observe(dengueRule, { ...districtObs(6, T0), band: low });
    const up = await manager.observe(dengueRule, { ...districtObs(12.5, T0 + MIN), band: medium, previousBand: low });
    expect(up.alert).toMatchObject({ severity: 'major', count: 2, lastValue: 12.5 });
    expect(up.alert?.text.zh).toBe('朝阳区 2026年11月 布雷图指数 12.5，风险由低度风险升至中度风险，报警阈值5（登革热媒介伊蚊监测指南）');
  });

  it('escalates unacknowledged critical alerts after 30 min and major after 4 h, once per level', async () => {
    const { manager, clock, pub } = harness();
    const critical = (await manager.observe(densityRule, districtObs(11, T0))).alert!;
    const major = (await manager.observe(densityRule, { ...districtObs(9, T0), scope: { level: 'site', id: 'market-01' } })).alert!;
    const ackedCritical = (await manager.observe(densityRule, { ...districtObs(12, T0), scope: { level: 'site', id: 'market-02' } })).alert!;
    await manager.acknowledge(ackedCritical.id, 'zhao.lei', '已派人');

    const at = async (minutes: number) => {
      clock.now = T0 + minutes * MIN;
      return (await manager.tick()).map((a) => [a.id, a.escalationLevel]);
    };
    expect(await at(29)).toEqual([]);
    expect(await at(30)).toEqual([[critical.id, 1]]);
    expect(await at(30)).toEqual([]);
    expect(await at(59)).toEqual([]);
    expect(await at(60)).toEqual([[critical.id, 2]]);
    expect(await at(239)).toEqual([]);
    expect(await at(240)).toEqual([[major.id, 1]]);
    expect(await at(100_000)).toEqual([[major.id, 2]]);
    expect(await at(200_000)).toEqual([]);
    const escalations = pub.events.filter((e) => e.transition === 'escalated').map((e) => [e.alert.id, e.alert.escalationLevel]);
    expect(escalations).toEqual([[critical.id, 1], [critical.id, 2], [major.id, 1], [major.id, 2]]);
  });

  it('passes each transition to every publisher exactly once, in order, even when one publisher fails', async () => {
    const a = recorder('a');
    const b = recorder('b');
    const failing: AlertPublisher = { name: 'broken', publish: async () => Promise.reject(new Error('down')) };
    const h = harness(openDatabase(':memory:'), [a, failing, b]);
    const { alert } = await h.manager.observe(batteryRule, deviceObs(8, T0));
    await h.manager.observe(batteryRule, deviceObs(7, T0 + MIN));
    await h.manager.acknowledge(alert!.id, 'li.na');
    await h.manager.comment(alert!.id, 'li.na', '电池已订购');
    h.clock.now = T0 + 5 * MIN;
    await h.manager.observe(batteryRule, deviceObs(90, T0 + 5 * MIN));
    await h.manager.observe(batteryRule, deviceObs(8, T0 + 6 * MIN));

    const stored = h.store.list().flatMap((x) => h.store.events(x.id)).sort((x, y) => x.eventId - y.eventId);
    expect(stored.map((e) => e.transition)).toEqual(['opened', 'updated', 'acknowledged', 'commented', 'resolved', 'opened']);
    expect(a.events).toEqual(stored);
    expect(b.events).toEqual(stored);
    expect(h.store.undispatched()).toEqual([]);
    expect(await h.manager.redeliver()).toBe(0);
    expect(a.events).toHaveLength(stored.length);
  });

  it('survives a restart: no lost or duplicate alert, evaluation resumes, undelivered events are redelivered once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vw-lifecycle-'));
    dirs.push(dir);
    const path = join(dir, 'meta.db');
    // First run: the publisher never answers, as if the process died while publishing.
    const hung: AlertPublisher = { name: 'hung', publish: () => new Promise<void>(() => undefined) };
    const first = harness(openDatabase(path), [hung]);
    void first.manager.observe(batteryRule, deviceObs(8, T0));
    await new Promise((r) => setTimeout(r, 10));
    first.db.close();

    const second = harness(openDatabase(path));
    expect(second.store.list()).toHaveLength(1);
    expect(await second.manager.redeliver()).toBe(1);
    expect(await second.manager.redeliver()).toBe(0);
    expect(second.pub.events.map((e) => e.transition)).toEqual(['opened']);
    // A replay of the observation the first run already saw changes nothing; a newer one updates the same alert.
    expect((await second.manager.observe(batteryRule, deviceObs(8, T0))).transition).toBeNull();
    const next = await second.manager.observe(batteryRule, deviceObs(6, T0 + MIN));
    expect(next).toMatchObject({ decision: 'update', transition: 'updated', alert: { count: 2 } });
    expect(second.store.list()).toHaveLength(1);
    expect(second.pub.events.map((e) => e.transition)).toEqual(['opened', 'updated']);
  });

  it('opens a new alert when a manually resolved condition persists', async () => {
    const { manager, store } = harness();
    const first = (await manager.observe(batteryRule, deviceObs(8, T0))).alert!;
    await manager.resolve(first.id, 'li.na', '已更换电池');
    const again = await manager.observe(batteryRule, deviceObs(8, T0 + MIN));
    expect(again).toMatchObject({ decision: 'fire', transition: 'opened' });
    expect(again.alert?.id).not.toBe(first.id);
    expect(store.list().map((a) => a.state).sort()).toEqual(['open', 'resolved']);
  });
});
