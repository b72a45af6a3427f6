import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../platform/sqlite.ts';
import { openRegistry, RegistryError } from './registry.ts';
import { loadDemoReference } from './seed.ts';

function fresh() {
  const registry = openRegistry(openDatabase(':memory:'), { clock: () => Date.parse('2026-11-22T08:00:00Z') });
  registry.upsertReference(loadDemoReference());
  return registry;
}

describe('registry', () => {
  it('seeds 2 districts, 4 contractors and the demo sites, idempotently', () => {
    const r = fresh();
    r.upsertReference(loadDemoReference());
    expect(r.listDistricts().map((d) => d.id)).toEqual(['tianhe', 'yuexiu']);
    expect(r.listContractors()).toHaveLength(4);
    expect(r.getSite('yx-market-dongshan')).toMatchObject({ districtId: 'yuexiu', contractorId: 'jiean' });
  });

  it('registers a device, derives district and contractor from its site, and returns the password once', () => {
    const r = fresh();
    const cred = r.registerDevice({ id: 'rs-001', kind: 'rodent_station', siteId: 'th-market-shipai', placement: 'outdoor' });
    expect(cred.username).toBe('rs-001');
    expect(cred.password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cred.device).toMatchObject({ districtId: 'tianhe', contractorId: 'weikang', status: 'active', placement: 'outdoor' });
    expect(JSON.stringify(r.getDevice('rs-001'))).not.toContain(cred.password);
  });

  it('verifies passwords against a salted hash and tells unknown, disabled and wrong apart', () => {
    const r = fresh();
    const { password } = r.registerDevice({ id: 'bin-01', kind: 'bin_sensor', siteId: 'yx-toilet-huanghua' });
    expect(r.verifyDevice('bin-01', password)).toBe('ok');
    expect(r.verifyDevice('bin-01', `${password}x`)).toBe('bad_password');
    expect(r.verifyDevice('nobody', password)).toBe('unknown');
    r.setStatus('bin-01', 'disabled');
    expect(r.verifyDevice('bin-01', password)).toBe('disabled');
  });

  it('rotation invalidates the old password', () => {
    const r = fresh();
    const first = r.registerDevice({ id: 'bin-02', kind: 'bin_sensor', siteId: 'yx-toilet-huanghua' });
    const second = r.rotateCredential('bin-02');
    expect(second.password).not.toBe(first.password);
    expect(r.verifyDevice('bin-02', first.password)).toBe('bad_password');
    expect(r.verifyDevice('bin-02', second.password)).toBe('ok');
  });

  it('refuses duplicates, unknown sites and water probes without a sampling point with stable codes', () => {
    const r = fresh();
    r.registerDevice({ id: 'wp-01', kind: 'water_probe', siteId: 'yx-water-xicun', samplingPoint: 'finished' });
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e instanceof RegistryError ? e.code : (e as Error).name;
      }
      return 'no error';
    };
    expect(code(() => r.registerDevice({ id: 'wp-01', kind: 'water_probe', siteId: 'yx-water-xicun', samplingPoint: 'tap' }))).toBe('DEVICE_EXISTS');
    expect(code(() => r.registerDevice({ id: 'wp-02', kind: 'water_probe', siteId: 'nowhere', samplingPoint: 'tap' }))).toBe('SITE_NOT_FOUND');
    expect(code(() => r.registerDevice({ id: 'wp-03', kind: 'water_probe', siteId: 'yx-water-xicun' } as never))).toBe('ZodError');
    expect(code(() => r.rotateCredential('ghost'))).toBe('DEVICE_NOT_FOUND');
  });

  it('lists devices by district and contractor with paging', () => {
    const r = fresh();
    for (let i = 0; i < 5; i++) r.registerDevice({ id: `mt-${i}`, kind: 'mosquito_trap', siteId: i % 2 ? 'yx-park-yuexiu' : 'th-street-huacheng', placement: 'outdoor' });
    expect(r.listDevices({ districtId: 'yuexiu' }).map((d) => d.id)).toEqual(['mt-1', 'mt-3']);
    expect(r.listDevices({ contractorId: 'jiean' }).map((d) => d.id)).toEqual(['mt-0', 'mt-2', 'mt-4']);
    expect(r.listDevices({ limit: 2, afterId: 'mt-1' }).map((d) => d.id)).toEqual(['mt-2', 'mt-3']);
    expect(r.countDevices()).toBe(5);
  });

  it("caches device lookups: own changes at once, another process's changes within the TTL", () => {
    const dir = mkdtempSync(join(tmpdir(), 'vw-reg-'));
    try {
      const now = { ms: 0 };
      const a = openRegistry(openDatabase(join(dir, 'r.db')), { clock: () => now.ms, cacheTtlMs: 2000 });
      a.upsertReference(loadDemoReference());
      const b = openRegistry(openDatabase(join(dir, 'r.db')), { clock: () => now.ms });
      expect(a.getDevice('cache-1')).toBeUndefined();
      b.registerDevice({ id: 'cache-1', kind: 'bin_sensor', siteId: 'yx-toilet-huanghua' });
      expect(a.getDevice('cache-1')).toBeUndefined(); // another process: not yet
      now.ms = 2001;
      expect(a.getDevice('cache-1')?.status).toBe('active');
      a.setStatus('cache-1', 'disabled'); // this registry: at once
      expect(a.getDevice('cache-1')?.status).toBe('disabled');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
