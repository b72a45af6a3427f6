import { describe, expect, it } from 'vitest';
import type { DensityIndicator } from '../contracts/rule-pack.ts';
import { gradeIndicator, hasLimits, meetsLevel, worstLevel, type GradedIndicator, type Level } from './grade-indicator.ts';
import { loadPacks } from './load-packs.ts';

/**
 * Limits transcribed by hand from /work/shared/domain/standards.md §2.2–2.5 (not read from the packs), so a typo in
 * a pack file fails here. [pack, indicator, comparison, A, B, C]
 */
const STANDARDS: readonly [string, string, 'le' | 'lt', number, number, number][] = [
  ['gbt-27770-2011', 'indoor-sign-rate', 'le', 1, 3, 5],
  ['gbt-27770-2011', 'proofing-nonconformity', 'le', 3, 5, 7],
  ['gbt-27770-2011', 'outdoor-path-index', 'le', 1, 3, 5],
  ['gbt-27771-2011', 'small-water-path-index', 'le', 0.1, 0.5, 0.8],
  ['gbt-27771-2011', 'dip-index', 'le', 1, 3, 5],
  ['gbt-27771-2011', 'larvae-per-positive-dip', 'lt', 3, 5, 8],
  ['gbt-27771-2011', 'adult-landing-index', 'le', 0.5, 1.0, 1.5],
  ['gbt-27772-2011', 'room-positive-rate', 'le', 3, 6, 9],
  ['gbt-27772-2011', 'flies-per-positive-room', 'le', 3, 3, 3],
  ['gbt-27772-2011', 'proofing-nonconformity', 'le', 2, 5, 10],
  ['gbt-27772-2011', 'outdoor-breeding-site-rate', 'le', 1, 3, 5],
  ['gbt-27772-2011', 'food-premises-flies', 'le', 0, 0, 0],
  ['gbt-27773-2011', 'infestation-rate', 'le', 1, 3, 5],
  ['gbt-27773-2011', 'small-per-positive-room', 'le', 5, 10, 10],
  ['gbt-27773-2011', 'large-per-positive-room', 'le', 2, 5, 5],
  ['gbt-27773-2011', 'ootheca-rate', 'le', 1, 2, 3],
  ['gbt-27773-2011', 'oothecae-per-positive-room', 'le', 2, 4, 8],
  ['gbt-27773-2011', 'sign-rate', 'le', 3, 5, 7],
];

const packs = loadPacks();
function indicator(packId: string, id: string): DensityIndicator {
  const pack = packs.get(packId);
  if (pack?.type !== 'density') throw new Error(`no density pack ${packId}`);
  const ind = pack.indicators.find((i) => i.id === id);
  if (ind === undefined) throw new Error(`no indicator ${packId}/${id}`);
  return ind;
}

/** The standard's reading of a limit table, stated directly: the best level whose limit the value meets. */
function expectedLevel(v: number, cmp: 'le' | 'lt', limits: readonly [number, number, number]): Level {
  const meets = (limit: number) => (cmp === 'le' ? v <= limit : v < limit);
  if (meets(limits[0])) return 'A';
  if (meets(limits[1])) return 'B';
  if (meets(limits[2])) return 'C';
  return 'below_C';
}

describe('pack limits match standards.md', () => {
  it('every graded indicator of the rodent, mosquito, fly and cockroach packs is in the table, and no other', () => {
    const inPacks = (['rodent', 'mosquito', 'fly', 'cockroach'] as const).flatMap((v) => {
      const p = packs.densityPack(v);
      return p.indicators.filter(hasLimits).map((i) => `${p.id}/${i.id}`);
    });
    expect(inPacks.sort()).toEqual(STANDARDS.map(([p, i]) => `${p}/${i}`).sort());
  });

  it.each(STANDARDS)('%s %s: %s A=%d B=%d C=%d', (packId, id, cmp, A, B, C) => {
    const ind = indicator(packId, id);
    expect(ind.limits).toEqual({ A, B, C });
    expect(ind.comparison).toBe(cmp);
    expect(ind.source.length).toBeGreaterThan(0);
  });
});

describe('gradeIndicator at, just below and just above each limit', () => {
  const EPS = 0.001;
  const cases = STANDARDS.flatMap(([packId, id, cmp, A, B, C]) =>
    (['A', 'B', 'C'] as const).flatMap((key) => {
      const limit = { A, B, C }[key];
      return [limit - EPS, limit, limit + EPS]
        .filter((v) => v >= 0)
        .map((v) => ({ packId, id, key, v, expected: expectedLevel(v, cmp, [A, B, C]) }));
    }),
  );

  it.each(cases)('$packId $id near $key: $v → $expected', ({ packId, id, v, expected }) => {
    const ind = indicator(packId, id) as GradedIndicator;
    expect(gradeIndicator(v, ind).level).toBe(expected);
  });

  it('inclusive (le) limits keep the boundary value at that level', () => {
    const ind = indicator('gbt-27770-2011', 'indoor-sign-rate') as GradedIndicator;
    expect([1, 3, 5].map((v) => gradeIndicator(v, ind).level)).toEqual(['A', 'B', 'C']);
    expect(gradeIndicator(5.001, ind).level).toBe('below_C');
  });

  it('exclusive (lt) limits push the boundary value to the next level', () => {
    const ind = indicator('gbt-27771-2011', 'larvae-per-positive-dip') as GradedIndicator;
    expect([3, 5, 8].map((v) => gradeIndicator(v, ind).level)).toEqual(['B', 'C', 'below_C']);
    expect(gradeIndicator(7.999, ind).level).toBe('C');
  });

  it('equal limits collapse levels: 3 flies per positive room is A, 3.01 is below C', () => {
    const ind = indicator('gbt-27772-2011', 'flies-per-positive-room') as GradedIndicator;
    expect(gradeIndicator(3, ind).level).toBe('A');
    expect(gradeIndicator(3.01, ind).level).toBe('below_C');
  });

  it('a zero C limit: no flies is A with ratio 0; any flies is below C with an unbounded ratio', () => {
    const ind = indicator('gbt-27772-2011', 'food-premises-flies') as GradedIndicator;
    expect(gradeIndicator(0, ind)).toMatchObject({ level: 'A', ratioToC: 0 });
    expect(gradeIndicator(2, ind)).toMatchObject({ level: 'below_C', ratioToC: Number.POSITIVE_INFINITY });
  });

  it('reports the ratio to the C limit', () => {
    const ind = indicator('gbt-27773-2011', 'infestation-rate') as GradedIndicator;
    expect(gradeIndicator(2.5, ind)).toMatchObject({ ratioToC: 0.5, limitC: 5 });
  });
});

describe('level helpers', () => {
  it.each([
    [['A', 'B', 'A'], 'B'],
    [['C', 'below_C', 'A'], 'below_C'],
    [['A'], 'A'],
  ] as [Level[], Level][])('worst of %j is %s', (levels, worst) => {
    expect(worstLevel(levels)).toBe(worst);
  });
  it('worst of nothing is undefined', () => expect(worstLevel([])).toBeUndefined());
  it.each([
    ['B', 'C', true],
    ['C', 'C', true],
    ['below_C', 'C', false],
    ['C', 'B', false],
  ] as [Level, Level, boolean][])('%s meets %s: %s', (level, min, meets) => {
    expect(meetsLevel(level, min)).toBe(meets);
  });
});
