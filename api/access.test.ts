import { describe, expect, it } from 'vitest';
import type { Scope } from '../contracts/api/access.ts';
import { createTenancy, ROLE_PERMISSIONS, type Location } from './access.ts';

const SITES = [
  { id: 'yx-a', districtId: 'yuexiu', contractorId: 'jiean' },
  { id: 'th-b', districtId: 'tianhe', contractorId: 'jiean' },
  { id: 'th-c', districtId: 'tianhe', contractorId: 'weikang' },
];
const none = () => undefined;
const tenancy = createTenancy({
  sitesOf: (c) => SITES.filter((s) => s.contractorId === c),
  locate: { device: none, site: none, district: none, contractor: none, alert: none, user: none, token: none, dead_letter: none },
});

const siteYx: Location = { districtIds: ['yuexiu'], contractorIds: ['jiean'] };
const siteTh: Location = { districtIds: ['tianhe'], contractorIds: ['weikang'] };
const districtWide: Location = { districtIds: ['yuexiu'], contractorIds: [] };

describe('tenancy', () => {
  it.each<[string, Scope, Location, boolean]>([
    ['admin sees everything', { all: true }, siteTh, true],
    ['an office sees its district', { districtIds: ['yuexiu'] }, siteYx, true],
    ['an office does not see another district', { districtIds: ['yuexiu'] }, siteTh, false],
    ['an office sees district-wide things in its district', { districtIds: ['yuexiu'] }, districtWide, true],
    ['a contractor sees its sites', { contractorId: 'jiean' }, siteYx, true],
    ["a contractor does not see another contractor's site", { contractorId: 'jiean' }, siteTh, false],
    ['a contractor does not see district-wide things', { contractorId: 'jiean' }, districtWide, false],
  ])('%s', (_what, scope, loc, expected) => {
    expect(tenancy.inScope(scope, loc)).toBe(expected);
  });

  it("expands a contractor's scope to its sites and their districts for list queries", () => {
    expect(tenancy.filter({ contractorId: 'jiean' })).toEqual({ contractorId: 'jiean', siteIds: ['yx-a', 'th-b'], districtIds: ['yuexiu', 'tianhe'] });
    expect(tenancy.filter({ districtIds: ['tianhe'] })).toEqual({ districtIds: ['tianhe'] });
    expect(tenancy.filter({ all: true })).toEqual({ all: true });
  });
});

describe('role table', () => {
  it('gives viewers reads only and keeps people, tokens and the audit chain with the admin', () => {
    expect([...ROLE_PERMISSIONS.viewer].every((p) => p === 'self' || p.endsWith(':read'))).toBe(true);
    for (const role of ['health_office', 'contractor', 'viewer'] as const) {
      for (const p of ['users:manage', 'tokens:manage', 'audit:verify', 'dead-letters:replay'] as const) expect(ROLE_PERMISSIONS[role].has(p)).toBe(false);
    }
    expect(ROLE_PERMISSIONS.contractor.has('alerts:resolve')).toBe(false);
    expect(ROLE_PERMISSIONS.contractor.has('devices:manage')).toBe(false);
    expect(ROLE_PERMISSIONS.health_office.has('alerts:resolve')).toBe(true);
  });
});
