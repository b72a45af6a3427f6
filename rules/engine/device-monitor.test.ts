import { describe, expect, it } from 'vitest';
import type { PolicyPack, RangePack } from '../../contracts/rule-pack.ts';
import { markValidated } from '../../contracts/telemetry-handoff.ts';
import type { Telemetry } from '../../contracts/telemetry.ts';
import { directoryOf, makeDevice } from '../../ingest/test-fixtures.ts';
import { silentLogger } from '../../platform/logger.ts';
import { openDatabase } from '../../platform/sqlite.ts';
import { openRegistry } from '../../registry/registry.ts';
import { loadDemoReference } from '../../registry/seed.ts';
import { createAlertStore } from '../alerts/alert-store.ts';
import { createAlertManager } from '../alerts/lifecycle.ts';
import { loadPacks } from '../load-packs.ts';
import { loadAlertPolicy } from './alert-policy.ts';
import { createDeviceMonitor } from './device-monitor.ts';
import { buildDeviceRules } from './device-rules.ts';
import { createDeviceState } from './device-state.ts';
import { createObserver } from './observer.ts';

const T0 = Date.parse('2026-11-22T08:00:00Z');
const MIN = 60_000;

describe('device monitor timers', () => {
  it('flags a device that never reported once 3 default intervals have passed since its registration', async () => {
    const db = openDatabase(':memory:');
    const clock = { now: T0 };
    const registry = openRegistry(db, { clock: () => clock.now });
    registry.upsertReference(loadDemoReference());
    registry.registerDevice({ id: 'quiet-bin-1', kind: 'bin_sensor', siteId: 'th-street-huacheng' }); // default interval 30 min
    registry.registerDevice({ id: 'gone-bin-2', kind: 'bin_sensor', siteId: 'th-street-huacheng' });
    registry.setStatus('gone-bin-2', 'disabled'); // disabled devices are expected to be quiet
    const packs = loadPacks();
    const policy = loadAlertPolicy();
    const rules = buildDeviceRules({ water: packs.get('gb-5749-2022') as RangePack, bin: packs.get('bin-policy') as PolicyPack }, policy);
    const store = createAlertStore(db);
    const manager = createAlertManager({ store, clock: () => clock.now, publish: [{ name: 'none', publish: async () => {} }], logger: silentLogger });
    const monitor = createDeviceMonitor({
      rules, binRules: (packs.get('bin-policy') as PolicyPack).rules, observer: createObserver(manager, store), state: createDeviceState(db),
      directory: registry, registry, clock: () => clock.now, logger: silentLogger,
    });

    clock.now = T0 + 89 * MIN; // within 3 × 30 min
    await monitor.checkTimers();
    expect(store.list({ state: 'open' })).toEqual([]);
    clock.now = T0 + 91 * MIN;
    await monitor.checkTimers();
    const open = store.list({ state: 'open' });
    expect(open.map((a) => [a.deviceId, a.ruleId.startsWith('device.silent')])).toEqual([['quiet-bin-1', true]]);
    await monitor.checkTimers();
    expect(store.list({ state: 'open' })).toHaveLength(1); // one open alert per rule and device, however often checked
  });
});

describe('device monitor readings', () => {
  function setup(opts: { foldRepeatsMs?: number } = {}) {
    const db = openDatabase(':memory:');
    const clock = { now: T0 };
    const registry = openRegistry(db, { clock: () => clock.now });
    registry.upsertReference(loadDemoReference());
    // A directory whose devices change as a registry edit would change them (a new Device object).
    const directory = directoryOf(makeDevice('bs-1', 'bin_sensor', { siteId: 'yx-market-dongshan', districtId: 'yuexiu' }));
    const packs = loadPacks();
    const policy = loadAlertPolicy();
    const rules = buildDeviceRules({ water: packs.get('gb-5749-2022') as RangePack, bin: packs.get('bin-policy') as PolicyPack }, policy);
    const store = createAlertStore(db);
    const manager = createAlertManager({ store, clock: () => clock.now, publish: [{ name: 'none', publish: async () => {} }], logger: silentLogger });
    const observer = createObserver(manager, store, { foldRepeatsMs: opts.foldRepeatsMs ?? 0, clock: () => clock.now });
    const monitor = createDeviceMonitor({
      rules, binRules: (packs.get('bin-policy') as PolicyPack).rules, observer, state: createDeviceState(db),
      directory, registry, clock: () => clock.now, logger: silentLogger,
    });
    let seq = 0;
    const send = (fields: Record<string, unknown>, atMs = clock.now) => {
      clock.now = Math.max(clock.now, atMs);
      const reading = { v: 1, kind: 'bin_sensor', seq: seq++, ts: atMs, fillPct: 40, ...fields } as Telemetry;
      const payload = Buffer.from(JSON.stringify(reading));
      markValidated(payload, reading);
      monitor.handle('devices/bs-1/telemetry', payload);
    };
    return { clock, directory, store, manager, observer, monitor, send };
  }

  it("raises alerts with the device's place as the directory has it at each reading", async () => {
    const { directory, store, manager, monitor, send } = setup();
    send({ fillPct: 95 }, T0);
    directory.set(makeDevice('bs-1', 'bin_sensor', { siteId: 'th-market-shipai', districtId: 'tianhe' })); // moved
    send({ fillPct: 95, battery: 10 }, T0 + MIN);
    await manager.idle();
    const open = store.list({ state: 'open' }).map((a) => [a.ruleId, a.districtId, a.siteId, a.scope, a.text.en.includes('Shipai')]);
    expect(open.sort()).toEqual([
      ['bin.full', 'yuexiu', 'yx-market-dongshan', { level: 'device', id: 'bs-1' }, true], // opened there, text of the latest breach
      ['device.battery_low', 'tianhe', 'th-market-shipai', { level: 'device', id: 'bs-1' }, true],
    ]);
    expect(monitor.stats()).toMatchObject({ evaluated: 2 });
  });

  it('folds repeat breaches and writes them, with the latest observation, at the next flush', async () => {
    const { clock, store, observer, manager, send } = setup({ foldRepeatsMs: 60_000 });
    send({ fillPct: 90 }, T0);
    send({ fillPct: 92 }, T0 + 1_000);
    send({ fillPct: 93 }, T0 + 2_000);
    expect(store.list()).toMatchObject([{ ruleId: 'bin.full', count: 1, lastValue: 90 }]);
    clock.now = T0 + 61_000;
    expect(await observer.flush()).toBe(1);
    await manager.idle();
    expect(store.list()).toMatchObject([{ ruleId: 'bin.full', count: 3, lastValue: 93, siteId: 'yx-market-dongshan', lastSeenAt: new Date(T0 + 2_000).toISOString() }]);
    expect(observer.stats()).toMatchObject({ folded: 2 });
  });

  it('a reading ends a silence; the silence threshold follows the reporting interval', async () => {
    const { clock, store, manager, monitor, send } = setup();
    send({ periodS: 600 }, T0); // silent after 3 × 10 min
    clock.now = T0 + 31 * MIN;
    await monitor.checkTimers();
    expect(store.list({ state: 'open' }).map((a) => a.ruleId)).toEqual(['device.silent']);
    send({ periodS: 600 }, T0 + 32 * MIN);
    await manager.idle();
    expect(store.list().map((a) => [a.ruleId, a.state])).toEqual([['device.silent', 'resolved']]);

    send({ periodS: 1200 }, T0 + 33 * MIN); // now silent only after 60 min
    clock.now = T0 + 33 * MIN + 59 * MIN;
    await monitor.checkTimers();
    expect(store.list({ state: 'open' })).toEqual([]);
    clock.now = T0 + 33 * MIN + 61 * MIN;
    await monitor.checkTimers();
    expect(store.list({ state: 'open' }).map((a) => a.ruleId)).toEqual(['device.silent']);
    send({ periodS: 1200 }, clock.now + MIN);
    await manager.idle();
    expect(store.list().map((a) => [a.ruleId, a.state])).toEqual([['device.silent', 'resolved'], ['device.silent', 'resolved']]);
  });
});
