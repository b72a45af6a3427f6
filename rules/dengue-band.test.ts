import { describe, expect, it } from 'vitest';
import type { BandPack } from '../contracts/rule-pack.ts';
import { bandIndexValue, dengueBand } from './dengue-band.ts';
import { RuleError } from './errors.ts';
import { loadPacks } from './load-packs.ts';

const pack = loadPacks().get('dengue-aedes-bands') as BandPack;

describe('dengue Aedes bands (standards.md §5)', () => {
  it('the pack defaults to lower-inclusive bands (Chongqing [S33])', () => {
    expect(pack.inclusivity).toBe('lower');
    expect(pack.indices.map((i) => [i.id, i.cuts])).toEqual([['breteau-index', [5, 10, 20]], ['ovitrap-index', [5, 10, 20]]]);
  });

  it.each([
    // value, lower-inclusive band, upper-inclusive band
    [0, 'control', 'control'],
    [4.99, 'control', 'control'],
    [5, 'low', 'control'],
    [5.01, 'low', 'low'],
    [10, 'medium', 'low'],
    [10.71, 'medium', 'medium'],
    [20, 'high', 'medium'],
    [20.01, 'high', 'high'],
  ])('BI and MOI %d → %s (lower) / %s (upper)', (value, lower, upper) => {
    for (const index of ['breteau-index', 'ovitrap-index']) {
      expect(dengueBand(pack, index, value, 'lower').bandId).toBe(lower);
      expect(dengueBand(pack, index, value, 'upper').bandId).toBe(upper);
    }
  });

  it('Guangdong bulletins: BI 8.33 → low, 15.0 → medium [S35]; Panyu MOI 10.00 → level 1 (upper), 24.49 → level 3 [S36]', () => {
    expect(dengueBand(pack, 'breteau-index', 8.33).bandId).toBe('low');
    expect(dengueBand(pack, 'breteau-index', 15).bandId).toBe('medium');
    expect(dengueBand(pack, 'ovitrap-index', 10, 'upper').level).toBe(1);
    expect(dengueBand(pack, 'ovitrap-index', 24.49, 'upper').level).toBe(3);
  });

  it('BI below the minimum of 100 households is not banded [S24]', () => {
    const bi = (households: number, positive: number) => ({
      indicatorId: 'breteau-index', numerator: positive, denominator: households, value: (positive * 100) / households,
      sampleSize: { count: households, unit: 'households' }, evidence: { devices: [], surveys: ['b'] },
    });
    expect(bandIndexValue(pack, bi(99, 20))).toMatchObject({ status: 'sample_too_small', required: 100 });
    expect(bandIndexValue(pack, bi(100, 20))).toMatchObject({ status: 'banded', bandId: 'high' });
  });

  it('an unknown index is an input error', () => {
    expect(() => dengueBand(pack, 'tent-index', 3)).toThrow(RuleError);
  });
});
