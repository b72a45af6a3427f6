import { describe, expect, it } from 'vitest';
import type { PolicyPack, RangePack } from '../../contracts/rule-pack.ts';
import type { Telemetry } from '../../contracts/telemetry.ts';
import { silentLogger } from '../../platform/logger.ts';
import { openDatabase } from '../../platform/sqlite.ts';
import { createAlertStore } from '../alerts/alert-store.ts';
import { meetsFire } from '../alerts/condition.ts';
import { createAlertManager } from '../alerts/lifecycle.ts';
import { loadPacks } from '../load-packs.ts';
import { loadAlertPolicy } from './alert-policy.ts';
import { buildDeviceRules } from './device-rules.ts';
import { evaluateReading } from './evaluate-reading.ts';
import { createObserver } from './observer.ts';

const packs = loadPacks();
const water = packs.get('gb-5749-2022') as RangePack;
const bin = packs.get('bin-policy') as PolicyPack;
const policy = loadAlertPolicy();
const rules = buildDeviceRules({ water, bin }, policy);

const probe = (freeChlorineMgL: number, extra: Partial<Telemetry> = {}): Telemetry =>
  ({ v: 1, kind: 'water_probe', seq: 1, ts: 0, ph: 7.2, turbidityNtu: 0.2, freeChlorineMgL, ...extra }) as Telemetry;
const breaches = (reading: Telemetry, samplingPoint: 'finished' | 'tap' | 'secondary') =>
  evaluateReading(reading, { samplingPoint }, rules)
    .filter(({ rule, value }) => meetsFire(rule.condition, value))
    .map(({ rule }) => rule.id);

describe('water rules: GB 5749-2022 free chlorine is two-sided and depends on the sampling point', () => {
  it.each([
    [2.5, 'tap', ['water.free-chlorine.tap.max']],
    [2.0, 'tap', []],
    [2.0, 'finished', []],
    [0.04, 'tap', ['water.free-chlorine.tap.residual_min']],
    [0.05, 'tap', []],
    [0.2, 'finished', ['water.free-chlorine.finished.residual_min']],
    [0.2, 'tap', []],
    [0.3, 'finished', []],
    [0.04, 'secondary', ['water.free-chlorine.secondary.residual_min']],
  ] as const)('%s mg/L at %s breaches %j', (value, point, expected) => {
    expect(breaches(probe(value), point)).toEqual(expected);
  });

  it('checks pH and turbidity, and not total chlorine under free-chlorine disinfection', () => {
    expect(breaches(probe(0.6, { ph: 9, turbidityNtu: 1.5, totalChlorineMgL: 9 } as Partial<Telemetry>), 'tap').sort()).toEqual(['water.ph.tap.max', 'water.turbidity.tap.max']);
  });

  it('clears only past the hysteresis margin taken from the policy (5 %; 0.1 for pH)', () => {
    const max = rules.water.tap.find((r) => r.rule.id === 'water.free-chlorine.tap.max')?.rule;
    const floor = rules.water.finished.find((r) => r.rule.id === 'water.free-chlorine.finished.residual_min')?.rule;
    const ph = rules.water.tap.find((r) => r.rule.id === 'water.ph.tap.min')?.rule;
    expect(max?.condition.clear?.threshold).toBeCloseTo(1.9, 10);
    expect(floor?.condition.clear?.threshold).toBeCloseTo(0.315, 10);
    expect(ph?.condition.clear?.threshold).toBeCloseTo(6.6, 10);
  });
});

describe('bin and device-health rules', () => {
  const binReading = (fillPct: number, extra: Record<string, unknown> = {}) => ({ v: 1, kind: 'bin_sensor', seq: 1, ts: 0, fillPct, ...extra }) as Telemetry;
  it.each([
    [binReading(84), []],
    [binReading(85), ['bin.full']],
    [binReading(100), ['bin.full', 'bin.overflow']],
    [binReading(50, { tempC: 61, tilted: true }), ['bin.fire_risk', 'bin.tilted']],
    [binReading(50, { battery: 14 }), ['device.battery_low']],
    [{ v: 1, kind: 'rodent_station', seq: 1, ts: 0, periodS: 900, visits: 0, caught: 0, baitPct: 19, lidOpen: true } as Telemetry, ['device.bait_low', 'device.lid_open']],
  ])('%j fires %j', (reading, expected) => {
    expect(breaches(reading, 'tap').sort()).toEqual(expected);
  });

  it('silence: one stable rule per threshold of silentIntervals × the reporting interval', () => {
    expect(rules.silenceThresholdMin(15 * 60_000)).toBe(45);
    expect(rules.silent(45)).toBe(rules.silent(45));
    expect(rules.silent(45).condition.fire).toEqual({ threshold: 45, direction: 'above', inclusive: false });
  });
});

describe('observer: skips no-op observations without hiding a clear', () => {
  it('a value wobbling around the limit gives one alert; a recovery past the margin resolves it', async () => {
    const db = openDatabase(':memory:');
    const store = createAlertStore(db);
    const published: string[] = [];
    const manager = createAlertManager({ store, clock: () => 1_000, logger: silentLogger, publish: [{ name: 't', publish: async (e) => void published.push(e.transition) }] });
    const observer = createObserver(manager, store);
    const rule = rules.water.tap.find((r) => r.rule.id === 'water.free-chlorine.tap.max')?.rule;
    if (!rule) throw new Error('no rule');
    const obs = (value: number, atMs: number) => ({ value, atMs, scope: { level: 'device' as const, id: 'wp-1' }, districtId: 'yuexiu', deviceId: 'wp-1', place: { district: { zh: '越秀区', en: 'Yuexiu' } } });
    const results = [];
    for (const [i, v] of [0.6, 0.7, 2.5, 1.95, 2.05, 1.92, 2.1, 0.6, 0.5].entries()) results.push(await observer.observe(rule, obs(v, i + 1)));
    await manager.idle();
    expect(published).toEqual(['opened', 'updated', 'updated', 'resolved']);
    // Below the limit while not breaching: skipped without a transaction; once breaching, every value is seen.
    expect(results.map((r) => (r === null ? 'skip' : r.decision))).toEqual(['skip', 'skip', 'fire', 'none', 'update', 'none', 'update', 'clear', 'skip']);
    expect(observer.stats()).toEqual({ observed: 6, skipped: 3, folded: 0 });
  });

  it("'changed' folds a repeat breach only when the value moved; 'never' not at all", async () => {
    const store = createAlertStore(openDatabase(':memory:'));
    const manager = createAlertManager({ store, clock: () => 1_000, logger: silentLogger, publish: [] });
    const observer = createObserver(manager, store);
    const rule = rules.health.battery_low;
    const obs = (value: number, atMs: number) => ({ value, atMs, scope: { level: 'device' as const, id: 'd-1' }, districtId: 'yuexiu', deviceId: 'd-1', place: { district: { zh: '越秀区', en: 'Yuexiu' } } });
    expect((await observer.observe(rule, obs(10, 1), 'changed'))?.decision).toBe('fire');
    expect(await observer.observe(rule, obs(10, 2), 'changed')).toBeNull();
    expect((await observer.observe(rule, obs(9, 3), 'changed'))?.decision).toBe('update');
    expect(await observer.observe(rule, obs(5, 4), 'never')).toBeNull();
    expect(store.list()[0]).toMatchObject({ count: 2, lastValue: 9 });
  });
});

describe('observer: repeat breaches of an open alert are written at most once per interval, and counted', () => {
  const FOLD_MS = 60_000;
  const maxRule = rules.water.tap.find((r) => r.rule.id === 'water.free-chlorine.tap.max')?.rule;
  if (!maxRule) throw new Error('no rule');
  const obs = (value: number, atMs: number) => ({ value, atMs, scope: { level: 'device' as const, id: 'wp-1' }, districtId: 'yuexiu', deviceId: 'wp-1', place: { district: { zh: '越秀区', en: 'Yuexiu' } } });
  function setup() {
    let now = 1_000;
    const store = createAlertStore(openDatabase(':memory:'));
    const published: { transition: string; count: number; lastValue: number; severity: string }[] = [];
    const manager = createAlertManager({
      store, clock: () => now, logger: silentLogger,
      publish: [{ name: 't', publish: async (e) => void published.push({ transition: e.transition, count: e.alert.count, lastValue: e.alert.lastValue, severity: e.alert.severity }) }],
    });
    const observer = createObserver(manager, store, { foldRepeatsMs: FOLD_MS, clock: () => now });
    return { store, manager, observer, published, at: (ms: number) => (now = ms) };
  }

  it('folds repeats inside the interval and writes them, counted, with the first repeat after it', async () => {
    const { store, manager, observer, published, at } = setup();
    expect((await observer.observe(maxRule, obs(2.5, 1)))?.decision).toBe('fire');
    for (const [i, v] of [2.1, 2.2, 2.3].entries()) {
      at(2_000 + i * 1_000);
      expect(await observer.observe(maxRule, obs(v, 2 + i))).toBeNull();
    }
    expect(store.list()[0]).toMatchObject({ count: 1, lastValue: 2.5 });
    at(1_000 + FOLD_MS);
    expect((await observer.observe(maxRule, obs(2.4, 5)))?.decision).toBe('update');
    await manager.idle();
    expect(published).toEqual([
      { transition: 'opened', count: 1, lastValue: 2.5, severity: 'major' },
      { transition: 'updated', count: 5, lastValue: 2.4, severity: 'major' },
    ]);
    expect(observer.stats()).toEqual({ observed: 2, skipped: 0, folded: 3 });
  });

  it('a clear carries the folded repeats into the resolved alert', async () => {
    const { manager, observer, published, at } = setup();
    await observer.observe(maxRule, obs(2.5, 1));
    at(2_000);
    await observer.observe(maxRule, obs(2.2, 2));
    await observer.observe(maxRule, obs(2.3, 3));
    expect((await observer.observe(maxRule, obs(0.5, 4)))?.decision).toBe('clear');
    await manager.idle();
    expect(published.map((p) => [p.transition, p.count, p.lastValue])).toEqual([['opened', 1, 2.5], ['resolved', 3, 2.3]]);
  });

  it('flush writes folds once their interval has passed, or all of them at shutdown', async () => {
    const { store, manager, observer, published, at } = setup();
    await observer.observe(maxRule, obs(2.5, 1));
    at(2_000);
    await observer.observe(maxRule, obs(2.2, 2));
    at(30_000);
    expect(await observer.flush()).toBe(0);
    at(1_000 + FOLD_MS);
    expect(await observer.flush()).toBe(1);
    expect(await observer.flush()).toBe(0);
    expect(store.list()[0]).toMatchObject({ count: 2, lastValue: 2.2, lastSeenAt: new Date(2_000).toISOString() });
    at(62_000);
    await observer.observe(maxRule, obs(2.3, 3));
    expect(await observer.flush({ all: true })).toBe(1);
    await manager.idle();
    expect(published.map((p) => [p.transition, p.count, p.lastValue])).toEqual([['opened', 1, 2.5], ['updated', 2, 2.2], ['updated', 3, 2.3]]);
  });

  it('never folds a breach of higher severity, a stale replay, or a breach after a person resolved the alert', async () => {
    const { store, manager, observer, published, at } = setup();
    const steps = { ...maxRule, id: 'test.free-chlorine.steps', severity: { type: 'steps' as const, steps: [{ from: 3, severity: 'critical' as const }], base: 'major' as const } };
    await observer.observe(steps, obs(2.5, 10));
    at(2_000);
    expect(await observer.observe(steps, obs(2.6, 11))).toBeNull();
    expect(await observer.observe(steps, obs(2.7, 5))).toBeNull(); // older than what was seen: stale, not counted
    expect((await observer.observe(steps, obs(3.5, 12)))?.decision).toBe('update');
    await manager.idle();
    expect(published.map((p) => [p.transition, p.count, p.severity])).toEqual([['opened', 1, 'major'], ['updated', 3, 'critical']]);

    const alert = store.list()[0]!;
    await manager.resolve(alert.id, 'office', 'fixed at the plant');
    at(3_000);
    expect((await observer.observe(steps, obs(2.5, 13)))?.decision).toBe('fire');
    expect(store.list({ state: 'open' })).toHaveLength(1);
  });
});
