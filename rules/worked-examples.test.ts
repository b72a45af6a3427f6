/**
 * Published survey results graded with the packs (standards.md §2): Haidian [S6], Xi'an [S4][S5], Shangluo [S9],
 * Wuhan [S7]. Rooms and km are chosen so the ratios equal the published values exactly.
 */
import { describe, expect, it } from 'vitest';
import { gradeIndicator, type GradedIndicator } from './grade-indicator.ts';
import { gradeVector } from './grade-vector.ts';
import { computeIndices, type SurveyRecord } from './indices.ts';
import { loadPacks } from './load-packs.ts';

const packs = loadPacks();
function graded(vector: 'rodent' | 'mosquito' | 'fly' | 'cockroach', id: string): GradedIndicator {
  const ind = packs.densityPack(vector).indicators.find((i) => i.id === id);
  if (ind?.limits == null) throw new Error(`${vector}/${id} has no limits`);
  return ind as GradedIndicator;
}
const grade = (vector: 'rodent' | 'mosquito' | 'fly' | 'cockroach', surveys: SurveyRecord[]) => {
  const pack = packs.densityPack(vector);
  return gradeVector(pack, computeIndices(pack, { devices: [], surveys }));
};

describe('Haidian 2019 [S6]', () => {
  it('fly room positive rate 17.60 % is below C at 1.96× the C limit', () => {
    const g = gradeIndicator(17.6, graded('fly', 'room-positive-rate'));
    expect(g.level).toBe('below_C');
    expect(g.ratioToC.toFixed(2)).toBe('1.96');
  });

  it('cockroach infestation 9.10 % is below C at 1.82×', () => {
    const g = gradeIndicator(9.1, graded('cockroach', 'infestation-rate'));
    expect(g.level).toBe('below_C');
    expect(g.ratioToC.toFixed(2)).toBe('1.82');
  });

  it.each([
    ['rodent', 'indoor-sign-rate', 4.96, 'C'],
    ['rodent', 'outdoor-path-index', 1.57, 'B'],
    ['mosquito', 'adult-landing-index', 0.93, 'B'],
  ] as const)('%s %s %d "meets the standard" (%s)', (vector, id, v, level) => {
    expect(gradeIndicator(v, graded(vector, id)).level).toBe(level);
  });
});

describe("Xi'an [S4][S5]", () => {
  it('rodents: indoor 2.20 % → B, path 0.39/km → A, proofing pass 97.17 % (2.83 % non-conformity) → A ⇒ B', () => {
    const g = grade('rodent', [
      { kind: 'rodent_rooms', id: 'xa-rooms', roomsChecked: 5000, roomsWithSigns: 110 },
      { kind: 'path_walk', id: 'xa-path', target: 'rodent_signs', km: 100, positiveSites: 39 },
      { kind: 'proofing', id: 'xa-proof', vector: 'rodent', checked: 10000, nonConforming: 283 },
    ]);
    const levels = Object.fromEntries(g.indicators.flatMap((o) => (o.status === 'graded' ? [[o.indicatorId, o.grade.level]] : [])));
    expect(levels).toEqual({ 'indoor-sign-rate': 'B', 'outdoor-path-index': 'A', 'proofing-nonconformity': 'A' });
    expect(g).toMatchObject({ status: 'graded', level: 'B', complete: true });
    expect(g.indicators[0]).toMatchObject({ index: { numerator: 110, denominator: 5000, value: 2.2 } });
  });

  it('mosquitoes: small water 0.56/km → C, adults 0.46 → A (large water B, constructed) ⇒ C', () => {
    const g = grade('mosquito', [
      { kind: 'path_walk', id: 'xa-sw', target: 'small_water', km: 100, positiveSites: 56 },
      { kind: 'landing', id: 'xa-land', personSessions: 50, females: 23 },
      { kind: 'dips', id: 'xa-dips', dips: 100, positiveDips: 2, larvae: 8 },
    ]);
    const levels = Object.fromEntries(g.indicators.flatMap((o) => (o.status === 'graded' ? [[o.indicatorId, o.grade.level]] : [])));
    expect(levels).toMatchObject({ 'small-water-path-index': 'C', 'adult-landing-index': 'A', 'dip-index': 'B' });
    expect(g.level).toBe('C');
    expect(g.worst?.indicatorId).toBe('small-water-path-index');
  });
});

describe('Shangluo 2018 [S9] and Wuhan [S7]', () => {
  it('rodent proofing pass rate 97.57 % (2.43 % non-conformity) → A', () => {
    expect(gradeIndicator(100 - 97.57, graded('rodent', 'proofing-nonconformity')).level).toBe('A');
  });
  it('small-water path index 0.8/km is still C (the Wuhan grade C criterion), 0.81 is not', () => {
    const ind = graded('mosquito', 'small-water-path-index');
    expect(gradeIndicator(0.8, ind).level).toBe('C');
    expect(gradeIndicator(0.81, ind).level).toBe('below_C');
  });
});
