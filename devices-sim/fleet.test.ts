import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS } from '../contracts/telemetry.ts';
import { DeviceRegistrationSchema } from '../contracts/registry.ts';
import { DEVICE_ID_PATTERN } from '../contracts/topics.ts';
import { deviceId, stickyTargetOf } from './device-id.ts';
import { planFleet } from './fleet.ts';
import { demoReference } from './test-fixtures.ts';

const ref = demoReference();
const siteOf = new Map(ref.sites.map((s) => [s.id, s]));

describe('planFleet', () => {
  const fleet = planFleet(ref, { devices: 200, seed: 1 });

  it('is deterministic for a seed; the seed moves devices, not ids', () => {
    expect(planFleet(ref, { devices: 200, seed: 1 })).toEqual(fleet);
    const other = planFleet(ref, { devices: 200, seed: 2 });
    expect(other.map((d) => d.id)).toEqual(fleet.map((d) => d.id));
    expect(other.map((d) => d.location)).not.toEqual(fleet.map((d) => d.location));
  });

  it('plans exactly N valid registrations with unique ids', () => {
    expect(fleet).toHaveLength(200);
    expect(new Set(fleet.map((d) => d.id)).size).toBe(200);
    for (const d of fleet) {
      expect(d.id).toMatch(DEVICE_ID_PATTERN);
      expect(DeviceRegistrationSchema.parse(d)).toEqual(d);
      expect(d.id.startsWith(`${d.siteId}-`)).toBe(true);
    }
    expect(fleet[0]?.id).toBe('yx-market-dongshan-rs-001');
  });

  it('covers both districts, all four contractors and every kind', () => {
    const sites = fleet.map((d) => siteOf.get(d.siteId));
    expect(new Set(sites.map((s) => s?.districtId))).toEqual(new Set(ref.districts.map((d) => d.id)));
    expect(new Set(sites.map((s) => s?.contractorId))).toEqual(new Set(ref.contractors.map((c) => c.id)));
    expect(new Set(fleet.map((d) => d.kind))).toEqual(new Set(DEVICE_KINDS));
    expect(new Set(fleet.map((d) => d.siteId))).toEqual(new Set(ref.sites.map((s) => s.id)));
  });

  it('places kinds where they belong', () => {
    for (const d of fleet) {
      const type = siteOf.get(d.siteId)?.type;
      if (d.kind === 'mosquito_trap') {
        expect(['park', 'residential', 'street', 'public_toilet']).toContain(type);
        expect(d.placement).toBe('outdoor');
      }
      if (d.kind === 'sticky_trap' && stickyTargetOf(d.id) === 'cockroach') {
        expect(['restaurant', 'hospital', 'school']).toContain(type);
        expect(d.placement).toBe('indoor');
      }
      if (d.kind === 'sticky_trap' && stickyTargetOf(d.id) === 'fly') {
        expect(['market', 'restaurant', 'public_toilet', 'transfer_station']).toContain(type);
      }
      if (d.kind === 'bin_sensor') expect(['market', 'public_toilet', 'transfer_station', 'street']).toContain(type);
      if (d.kind === 'rodent_station') {
        expect(['market', 'restaurant', 'residential', 'transfer_station', 'hospital']).toContain(type);
      }
    }
    const rodentPlacements = new Set(fleet.filter((d) => d.kind === 'rodent_station').map((d) => d.placement));
    expect(rodentPlacements).toEqual(new Set(['indoor', 'outdoor']));
    expect(fleet.some((d) => d.id.includes('-stf-'))).toBe(true);
    expect(fleet.some((d) => d.id.includes('-stc-'))).toBe(true);
  });

  it('gives water probes a sampling point: finished at the works, secondary and tap at the pump room', () => {
    const probes = fleet.filter((d) => d.kind === 'water_probe');
    expect(probes.length).toBeGreaterThan(0);
    for (const p of probes) expect(p.samplingPoint).toBeDefined();
    expect(new Set(probes.filter((p) => p.siteId === 'yx-water-xicun').map((p) => p.samplingPoint))).toEqual(new Set(['finished']));
    expect(new Set(probes.filter((p) => p.siteId === 'th-water-liede').map((p) => p.samplingPoint))).toEqual(new Set(['secondary', 'tap']));
    expect(fleet.filter((d) => d.kind !== 'water_probe').every((d) => d.samplingPoint === undefined)).toBe(true);
  });

  it('puts devices around Guangzhou, within a few hundred metres of their site', () => {
    for (const d of fleet) {
      expect(d.location?.lat).toBeGreaterThan(22.9);
      expect(d.location?.lat).toBeLessThan(23.4);
      expect(d.location?.lon).toBeGreaterThan(113.1);
      expect(d.location?.lon).toBeLessThan(113.6);
    }
    const market = fleet.filter((d) => d.siteId === 'yx-market-dongshan').map((d) => d.location?.lat ?? 0);
    expect(Math.max(...market) - Math.min(...market)).toBeLessThan(0.004);
  });

  it('scales to 20,000 devices quickly with unique, valid ids', () => {
    const t0 = performance.now();
    const big = planFleet(ref, { devices: 20_000, seed: 9 });
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(big).toHaveLength(20_000);
    expect(new Set(big.map((d) => d.id)).size).toBe(20_000);
    expect(big.every((d) => DEVICE_ID_PATTERN.test(d.id))).toBe(true);
  });

  it('handles small fleets and refuses nonsense sizes', () => {
    expect(planFleet(ref, { devices: 0, seed: 1 })).toEqual([]);
    expect(planFleet(ref, { devices: 5, seed: 1 })).toHaveLength(5);
    expect(() => planFleet(ref, { devices: -1, seed: 1 })).toThrow(RangeError);
  });
});

describe('deviceId', () => {
  it('keeps ids within 64 characters and unique for long site ids', () => {
    const site = 'a'.repeat(64);
    const a = deviceId(site, 'rs', 1);
    const b = deviceId(`${'a'.repeat(63)}b`, 'rs', 1);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).toMatch(DEVICE_ID_PATTERN);
    expect(a).not.toBe(b);
  });
});
