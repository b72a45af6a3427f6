import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseSync } from '../../platform/sqlite.ts';
import { createAlertStore, type AlertBreach, type AlertStore } from './alert-store.ts';
import { AlertError, type AlertErrorCode } from './errors.ts';
import { DEFAULT_ESCALATION } from './escalation.ts';

const T0 = Date.parse('2026-11-05T02:00:00Z');
const MIN = 60_000;
const dbs: DatabaseSync[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const db of dbs.splice(0)) if (db.isOpen) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function memoryStore(): { db: DatabaseSync; store: AlertStore } {
  const db = openDatabase(':memory:');
  dbs.push(db);
  let n = 0;
  return { db, store: createAlertStore(db, { newId: () => `alert-${String(++n).padStart(4, '0')}` }) };
}

const breach = (over: Partial<AlertBreach> = {}): AlertBreach => ({
  key: 'density.rodent.indoor-sign-rate@district:chaoyang',
  ruleId: 'density.rodent.indoor-sign-rate',
  kind: 'density',
  severity: 'minor',
  districtId: 'chaoyang',
  scope: { level: 'district', id: 'chaoyang' },
  period: '2026-11',
  indicator: 'indoor-sign-rate',
  value: 6.2,
  limit: 5,
  unit: '%',
  standard: 'GB/T 27770-2011',
  text: { zh: '朝阳区 2026年11月 室内鼠迹阳性率 6.2%', en: 'Chaoyang District, November 2026: 6.2%' },
  atMs: T0,
  ...over,
});

function codeOf(fn: () => unknown): AlertErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof AlertError) return err.code;
    throw err;
  }
  return undefined;
}

describe('alert store', () => {
  it('opens one alert per key and folds repeat breaches into it', () => {
    const { store } = memoryStore();
    const first = store.openOrUpdate(breach());
    const second = store.openOrUpdate(breach({ value: 11, severity: 'critical', atMs: T0 + MIN }));
    const third = store.openOrUpdate(breach({ value: 7, severity: 'minor', atMs: T0 + 2 * MIN }));
    expect(first.created).toBe(true);
    expect([second.created, third.created]).toEqual([false, false]);
    expect(third.alert).toMatchObject({
      id: first.alert.id, count: 3, value: 6.2, lastValue: 7, severity: 'critical', state: 'open',
      openedAt: new Date(T0).toISOString(), lastSeenAt: new Date(T0 + 2 * MIN).toISOString(),
    });
    expect(store.list()).toHaveLength(1);
    expect(store.events(first.alert.id).map((e) => e.transition)).toEqual(['opened', 'updated', 'updated']);
  });

  it('enforces one unresolved alert per key in the database itself', () => {
    const { db, store } = memoryStore();
    const { alert } = store.openOrUpdate(breach());
    const insert = db.prepare(`INSERT INTO alerts (id, key, rule_id, kind, severity, state, district_id, opened_at_ms, data)
      VALUES (?, ?, 'r', 'density', 'minor', ?, 'chaoyang', 0, '{}')`);
    expect(() => insert.run('dup-open-1', alert.key, 'open')).toThrow(/UNIQUE/);
    expect(() => insert.run('dup-ack-01', alert.key, 'acknowledged')).toThrow(/UNIQUE/);
    // Resolved rows are history: any number may share the key.
    insert.run('old-res-01', alert.key, 'resolved');
    insert.run('old-res-02', alert.key, 'resolved');
  });

  it('records who, when and a note on acknowledge and resolve', () => {
    const { store } = memoryStore();
    const { alert } = store.openOrUpdate(breach({ kind: 'device_health', key: 'dev@device:rodent-001' }));
    const acked = store.acknowledge(alert.id, 'zhang.wei', '已派人核查', T0 + 5 * MIN);
    expect(acked.alert).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'zhang.wei', acknowledgedAt: new Date(T0 + 5 * MIN).toISOString(), acknowledgedNote: '已派人核查' });
    expect(acked.event).toMatchObject({ transition: 'acknowledged', actor: 'zhang.wei', note: '已派人核查' });
    const resolved = store.resolve(alert.id, 'li.na', '更换电池', T0 + 9 * MIN, { manual: true });
    expect(resolved.alert).toMatchObject({ state: 'resolved', resolvedBy: 'li.na', resolvedAt: new Date(T0 + 9 * MIN).toISOString(), resolvedNote: '更换电池', resolution: 'manual' });
    expect(store.get(alert.id)).toEqual(resolved.alert);
  });

  it('refuses transitions with stable codes', () => {
    const { store } = memoryStore();
    const { alert } = store.openOrUpdate(breach());
    expect(codeOf(() => store.acknowledge('no-such-alert', 'a', undefined, T0))).toBe('ALERT_NOT_FOUND');
    expect(codeOf(() => store.acknowledge(alert.id, '  ', undefined, T0))).toBe('ALERT_INPUT_INVALID');
    store.acknowledge(alert.id, 'a', undefined, T0);
    expect(codeOf(() => store.acknowledge(alert.id, 'b', undefined, T0))).toBe('ALERT_ALREADY_ACKNOWLEDGED');
    expect(codeOf(() => store.resolve(alert.id, 'a', 'done', T0, { manual: true }))).toBe('CORRECTIVE_ACTION_REQUIRED');
    expect(codeOf(() => store.resolve(alert.id, 'a', 'done', T0, { manual: true, correctiveAction: '   ' }))).toBe('CORRECTIVE_ACTION_REQUIRED');
    expect(store.get(alert.id)?.state).toBe('acknowledged');
    const done = store.resolve(alert.id, 'a', 'done', T0 + MIN, { manual: true, correctiveAction: '清理鼠迹，封堵鼠洞 3 处，投放毒饵站 12 个' });
    expect(done.alert.correctiveAction).toBe('清理鼠迹，封堵鼠洞 3 处，投放毒饵站 12 个');
    expect(codeOf(() => store.resolve(alert.id, 'a', 'again', T0, { manual: true, correctiveAction: 'x' }))).toBe('ALERT_ALREADY_RESOLVED');
    expect(codeOf(() => store.acknowledge(alert.id, 'a', undefined, T0))).toBe('ALERT_ALREADY_RESOLVED');
  });

  it('lets the engine auto-resolve a density alert without a corrective action', () => {
    const { store } = memoryStore();
    const { alert } = store.openOrUpdate(breach());
    expect(store.resolve(alert.id, 'system', undefined, T0, { manual: false }).alert.resolution).toBe('auto');
  });

  it('opens a NEW alert when the key breaches again after a resolve', () => {
    const { store } = memoryStore();
    const first = store.openOrUpdate(breach()).alert;
    store.resolve(first.id, 'a', undefined, T0 + MIN, { manual: true, correctiveAction: '灭鼠' });
    const again = store.openOrUpdate(breach({ atMs: T0 + 2 * MIN }));
    expect(again.created).toBe(true);
    expect(again.alert.id).not.toBe(first.id);
    expect(again.alert.count).toBe(1);
    expect(store.get(first.id)?.state).toBe('resolved');
    expect(store.list({ state: 'resolved' }).map((a) => a.id)).toEqual([first.id]);
    expect(store.list({ state: 'open' }).map((a) => a.id)).toEqual([again.alert.id]);
  });

  it('keeps comments, also on resolved alerts, and refuses empty ones', () => {
    const { store } = memoryStore();
    const { alert } = store.openOrUpdate(breach());
    store.resolve(alert.id, 'a', undefined, T0, { manual: true, correctiveAction: '灭鼠' });
    expect(store.comment(alert.id, 'b', '复查合格', T0 + MIN)).toMatchObject({ transition: 'commented', actor: 'b', note: '复查合格' });
    expect(codeOf(() => store.comment(alert.id, 'b', ' ', T0))).toBe('ALERT_INPUT_INVALID');
    expect(codeOf(() => store.comment('missing-id', 'b', 'x', T0))).toBe('ALERT_NOT_FOUND');
  });

  it('filters lists by state, district, kind and site', () => {
    const { store } = memoryStore();
    store.openOrUpdate(breach());
    store.openOrUpdate(breach({ key: 'w@site:works-1', kind: 'water', districtId: 'haizhu', siteId: 'works-1', scope: { level: 'site', id: 'works-1' } }));
    store.openOrUpdate(breach({ key: 'b@device:bin-001', kind: 'bin', districtId: 'haizhu', siteId: 'street-9', scope: { level: 'device', id: 'bin-001' } }));
    expect(store.list({ districtId: 'haizhu' })).toHaveLength(2);
    expect(store.list({ kind: 'water' }).map((a) => a.siteId)).toEqual(['works-1']);
    expect(store.list({ siteId: 'street-9' }).map((a) => a.kind)).toEqual(['bin']);
    expect(store.list({ limit: 1 })).toHaveLength(1);
  });

  it('keeps the event log append-only', () => {
    const { db, store } = memoryStore();
    store.openOrUpdate(breach());
    expect(() => db.exec('DELETE FROM alert_events')).toThrow(/append-only/);
    expect(() => db.exec("UPDATE alert_events SET note = 'edited'")).toThrow(/append-only/);
  });

  it('says which alerts are due for escalation, per severity and level', () => {
    const { store } = memoryStore();
    const critical = store.openOrUpdate(breach({ key: 'c@city:x1', severity: 'critical' })).alert;
    const major = store.openOrUpdate(breach({ key: 'm@city:x2', severity: 'major' })).alert;
    store.openOrUpdate(breach({ key: 'n@city:x3', severity: 'minor' }));
    const acked = store.openOrUpdate(breach({ key: 'a@city:x4', severity: 'critical' })).alert;
    store.acknowledge(acked.id, 'a', undefined, T0 + MIN);
    const due = (atMs: number) => store.dueForEscalation(atMs, DEFAULT_ESCALATION).map((d) => [d.alert.id, d.level]);

    expect(due(T0 + 30 * MIN - 1)).toEqual([]);
    expect(due(T0 + 30 * MIN)).toEqual([[critical.id, 1]]);
    expect(store.markEscalated(critical.id, 1, T0 + 30 * MIN)?.alert).toMatchObject({ escalationLevel: 1, escalatedAt: new Date(T0 + 30 * MIN).toISOString() });
    expect(store.markEscalated(critical.id, 1, T0 + 31 * MIN)).toBeNull();
    expect(due(T0 + 59 * MIN)).toEqual([]);
    expect(due(T0 + 240 * MIN)).toEqual([[critical.id, 2], [major.id, 1]]);
    store.markEscalated(critical.id, 2, T0 + 240 * MIN);
    expect(due(T0 + 10_000 * MIN).map(([id]) => id)).toEqual([major.id]);
  });

  it('survives closing and reopening the database file: alerts, events, conditions, outbox', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vw-alerts-'));
    dirs.push(dir);
    const path = join(dir, 'meta.db');
    const db1 = openDatabase(path);
    dbs.push(db1);
    const store1 = createAlertStore(db1);
    const opened = store1.openOrUpdate(breach());
    store1.putCondition(opened.alert.key, { breaching: true, sinceMs: T0, pendingSinceMs: null, lastValue: 6.2, lastAtMs: T0 });
    store1.markDispatched(opened.event.eventId, T0);
    store1.acknowledge(opened.alert.id, 'zhang.wei', undefined, T0 + MIN);
    db1.close();

    const db2 = openDatabase(path);
    dbs.push(db2);
    const store2 = createAlertStore(db2);
    expect(store2.get(opened.alert.id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'zhang.wei' });
    expect(store2.getCondition(opened.alert.key)).toEqual({ breaching: true, sinceMs: T0, pendingSinceMs: null, lastValue: 6.2, lastAtMs: T0 });
    expect(store2.undispatched().map((e) => e.transition)).toEqual(['acknowledged']);
    const again = store2.openOrUpdate(breach({ value: 6.5, atMs: T0 + 2 * MIN }));
    expect(again).toMatchObject({ created: false, alert: { id: opened.alert.id, count: 2, lastValue: 6.5, state: 'acknowledged' } });
    expect(store2.list()).toHaveLength(1);
  });
});
