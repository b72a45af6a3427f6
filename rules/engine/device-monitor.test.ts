import { describe, expect, it } from 'vitest';
import type { PolicyPack, RangePack } from '../../contracts/rule-pack.ts';
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
