import { describe, expect, it } from 'vitest';
import type { PolicyPack, RangePack } from '../../contracts/rule-pack.ts';
import { silentLogger } from '../../platform/logger.ts';
import { openDatabase } from '../../platform/sqlite.ts';
import { alertKey } from '../alerts/alert-rule.ts';
import { createAlertStore } from '../alerts/alert-store.ts';
import { createAlertManager } from '../alerts/lifecycle.ts';
import { loadPacks } from '../load-packs.ts';
import { loadAlertPolicy } from './alert-policy.ts';
import { buildDeviceRules } from './device-rules.ts';
import { createObserver, observationOf, type ObservationBase } from './observer.ts';

const packs = loadPacks();
const rules = buildDeviceRules({ water: packs.get('gb-5749-2022') as RangePack, bin: packs.get('bin-policy') as PolicyPack }, loadAlertPolicy());
const base: ObservationBase = {
  scope: { level: 'device', id: 'bs-1' }, districtId: 'yuexiu', siteId: 'yx-market-dongshan', deviceId: 'bs-1',
  place: { district: { zh: '越秀区', en: 'Yuexiu District' }, site: { zh: '东山农贸市场', en: "Dongshan Farmers' Market" } },
};

function setup() {
  let now = 1_000;
  const db = openDatabase(':memory:');
  const store = createAlertStore(db);
  const manager = createAlertManager({ store, clock: () => now, logger: silentLogger, publish: [{ name: 'none', publish: async () => {} }] });
  const observer = createObserver(manager, store, { foldRepeatsMs: 60_000, clock: () => now });
  const history = () => db.prepare('SELECT transition, at_ms, json_remove(alert, \'$.id\') AS alert FROM alert_events ORDER BY id').all();
  return { observer, manager, history, at: (ms: number) => (now = ms) };
}

describe('observer: observeKeyed', () => {
  it('does what observe does with the observation built from its base, without a promise when nothing is written', async () => {
    const full = rules.bin.full;
    const key = alertKey(full.id, base.scope);
    // Quiet, fire, folded repeats, a stale replay, a write after the interval, more folds, a clear carrying them.
    const steps: [atMs: number, value: number, clock: number][] = [
      [1, 40, 1_000], [2, 90, 2_000], [3, 91, 3_000], [4, 92, 4_000], [3, 99, 5_000], [5, 93, 70_000], [6, 94, 71_000], [7, 95, 72_000], [8, 10, 73_000],
    ];
    const a = setup();
    const b = setup();
    const keyed: (string | null)[] = [];
    for (const [atMs, value, clock] of steps) {
      a.at(clock);
      b.at(clock);
      const viaObserve = await a.observer.observe(full, observationOf(base, atMs, value));
      const viaKey = b.observer.observeKeyed(key, full, base, atMs, value);
      keyed.push(viaKey === null ? null : (await viaKey).decision);
      expect(viaObserve?.decision ?? null).toBe(keyed.at(-1));
    }
    expect(keyed).toEqual([null, 'fire', null, null, null, 'update', null, null, 'clear']);
    await a.manager.idle();
    await b.manager.idle();
    expect(b.history()).toEqual(a.history());
    expect(b.observer.stats()).toEqual(a.observer.stats());
    expect(b.observer.breachingKeyed(key)).toBe(false);
  });

  it('a flush writes the latest folded repeat of a keyed observation', async () => {
    const battery = rules.health.battery_low;
    const key = alertKey(battery.id, base.scope);
    const { observer, manager, history, at } = setup();
    expect(observer.observeKeyed(key, battery, base, 1, 10)).not.toBeNull();
    at(2_000);
    expect(observer.observeKeyed(key, battery, base, 2, 9)).toBeNull();
    expect(observer.observeKeyed(key, battery, base, 3, 8)).toBeNull();
    expect(observer.breachingKeyed(key)).toBe(true);
    at(62_000);
    expect(await observer.flush()).toBe(1);
    await manager.idle();
    const written = history().map((e) => JSON.parse((e as { alert: string }).alert) as { count: number; lastValue: number; text: { en: string } });
    expect(written.map((w) => [w.count, w.lastValue])).toEqual([[1, 10], [3, 8]]);
    expect(written[1]!.text.en).toContain('Dongshan');
  });
});
