import { describe, expect, it } from 'vitest';
import type { CertificationProfile } from '../contracts/rule-pack.ts';
import { loadCertificationProfiles, parseCertificationProfiles } from './certification-profiles.ts';
import { certify } from './certify.ts';
import { RuleError } from './errors.ts';
import { gradeVector, type VectorGrade } from './grade-vector.ts';
import { computeIndices } from './indices.ts';
import { loadPacks } from './load-packs.ts';
import { districtSurveys, type DistrictRates } from './testing/districts.ts';

const packs = loadPacks();
const profiles = loadCertificationProfiles();
const profile = (id: string): CertificationProfile => {
  const p = profiles.get(id);
  if (p === undefined) throw new Error(`no profile ${id}`);
  return p;
};
const VECTORS = ['rodent', 'mosquito', 'fly', 'cockroach'] as const;

function district(rates: DistrictRates): VectorGrade[] {
  const input = { devices: [], surveys: districtSurveys(rates) };
  return VECTORS.map((v) => gradeVector(packs.densityPack(v), computeIndices(packs.densityPack(v), input)));
}

describe('certification profiles', () => {
  it('ships national and provincial-legacy with their rule numbers as data', () => {
    expect(profile('national')).toMatchObject({ minLevel: 'C', allowedBelow: 0, belowMaxRatioToC: null, status: 'current' });
    expect(profile('provincial-legacy')).toMatchObject({ minLevel: 'C', allowedBelow: 1, belowMaxRatioToC: 3, status: 'historical' });
  });
  it('a bad profile file fails naming the path', () => {
    expect(() => parseCertificationProfiles([{ id: 'x' }], 'p.json')).toThrow(/p\.json.*\$\[0\]\.name/s);
  });
});

describe('certify on constructed districts', () => {
  it('national: all four vectors at C or better → pass', () => {
    const r = certify(profile('national'), district({ rodentIndoorPct: 4, mosquitoPathIndex: 0.8, flyRoomPct: 9, cockroachPct: 5 }));
    expect(r.outcome).toBe('pass');
    expect(r.checks.every((c) => c.passed)).toBe(true);
  });

  it('national: flies at 17.60 % → fail, naming the vector and the ratio', () => {
    const r = certify(profile('national'), district({ flyRoomPct: 17.6 }));
    expect(r.outcome).toBe('fail');
    const check = r.checks.find((c) => c.rule === 'vectors_at_min_level');
    expect(check).toMatchObject({ passed: false, observed: 1, allowed: 0, margin: 1 });
    expect(check?.detail).toContain('fly below_C (1.96× C)');
  });

  it('legacy: one vector at 2.5× its C limit → pass, with 0.50× to spare', () => {
    const r = certify(profile('provincial-legacy'), district({ flyRoomPct: 22.5 }));
    expect(r.outcome).toBe('pass');
    const ratio = r.checks.find((c) => c.rule === 'below_within_ratio');
    expect(ratio).toMatchObject({ vector: 'fly', passed: true, allowed: 3 });
    expect(ratio?.observed).toBeCloseTo(2.5, 10);
    expect(ratio?.detail).toBe('fly is 2.50× its C limit, within 3× by 0.50×');
  });

  it('legacy: the same district fails the national profile', () => {
    expect(certify(profile('national'), district({ flyRoomPct: 22.5 })).outcome).toBe('fail');
  });

  it('legacy: one vector at 3.2× → fail by 0.20×', () => {
    const r = certify(profile('provincial-legacy'), district({ cockroachPct: 16 }));
    expect(r.outcome).toBe('fail');
    const ratio = r.checks.find((c) => c.rule === 'below_within_ratio');
    expect(ratio).toMatchObject({ vector: 'cockroach', passed: false });
    expect(ratio?.margin).toBeCloseTo(0.2, 10);
    expect(ratio?.detail).toBe('cockroach is 3.20× its C limit, over 3× by 0.20×');
  });

  it('legacy: exactly 3× passes (不超过 3 倍 is ≤)', () => {
    const r = certify(profile('provincial-legacy'), district({ flyRoomPct: 27 }));
    expect(r.outcome).toBe('pass');
  });

  it('legacy: two vectors above C → fail, even though each is within 3×', () => {
    const r = certify(profile('provincial-legacy'), district({ flyRoomPct: 18, cockroachPct: 7.5 }));
    expect(r.outcome).toBe('fail');
    expect(r.checks.find((c) => c.rule === 'vectors_at_min_level')).toMatchObject({ passed: false, observed: 2, allowed: 1, margin: 1 });
    expect(r.checks.filter((c) => c.rule === 'below_within_ratio').every((c) => c.passed)).toBe(true);
  });

  it('a vector with no data → insufficient_data, not pass', () => {
    const grades = district({}).filter((g) => g.vector !== 'mosquito');
    const r = certify(profile('national'), grades);
    expect(r.outcome).toBe('insufficient_data');
    expect(r.checks.find((c) => c.rule === 'vectors_evaluated')?.detail).toContain('mosquito (no_data)');
  });

  it('an incomplete vector → insufficient_data; a known failure stays a failure', () => {
    const surveys = districtSurveys({ flyRoomPct: 2 }).filter((s) => s.kind !== 'food_premises');
    const input = { devices: [], surveys };
    const grades = VECTORS.map((v) => gradeVector(packs.densityPack(v), computeIndices(packs.densityPack(v), input)));
    expect(certify(profile('national'), grades).outcome).toBe('insufficient_data');
    const failing = grades.map((g) => (g.vector === 'rodent' ? district({ rodentIndoorPct: 6 })[0] as VectorGrade : g));
    expect(certify(profile('national'), failing).outcome).toBe('fail');
  });

  it('flies in a food premises: unbounded ratio fails the legacy profile', () => {
    const surveys = districtSurveys({}).map((s) => (s.kind === 'food_premises' ? { ...s, premisesWithFlies: 1 } : s));
    const input = { devices: [], surveys };
    const grades = VECTORS.map((v) => gradeVector(packs.densityPack(v), computeIndices(packs.densityPack(v), input)));
    const r = certify(profile('provincial-legacy'), grades);
    expect(r.outcome).toBe('fail');
    expect(r.checks.find((c) => c.rule === 'below_within_ratio')?.detail).toContain('unbounded');
  });

  it('refuses two grades for one vector', () => {
    const d = district({});
    expect(() => certify(profile('national'), [...d, d[0] as VectorGrade])).toThrow(RuleError);
  });
});
