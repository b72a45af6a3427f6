import { describe, expect, it } from 'vitest';
import { RuleError } from './errors.ts';
import { gradeVector } from './grade-vector.ts';
import type { IndexValue } from './index-value.ts';
import { computeIndices } from './indices.ts';
import { loadPacks } from './load-packs.ts';
import { districtSurveys } from './testing/districts.ts';

const packs = loadPacks();
const rodents = packs.densityPack('rodent');
const flies = packs.densityPack('fly');

const value = (indicatorId: string, numerator: number, denominator: number, scale: number, unit = 'rooms'): IndexValue => ({
  indicatorId,
  numerator,
  denominator,
  value: denominator === 0 ? null : (numerator * scale) / denominator,
  sampleSize: { count: denominator, unit },
  evidence: { devices: [], surveys: ['s1'] },
});

describe('gradeVector: worst-of (standards.md §2.1)', () => {
  it.each([
    // [indoor %, proofing %, path /km] → level
    [[0.5, 2, 0.5], 'A'],
    [[2.2, 2, 0.5], 'B'],
    [[0.5, 6, 0.5], 'C'],
    [[0.5, 2, 5.5], 'below_C'],
    [[4, 4, 4], 'C'],
  ] as const)('rodents %j → %s', ([indoor, proofing, path], level) => {
    const g = gradeVector(rodents, [
      value('indoor-sign-rate', indoor * 10, 1000, 100),
      value('proofing-nonconformity', proofing * 10, 1000, 100, 'points'),
      value('outdoor-path-index', path * 10, 10, 1, 'km'),
    ]);
    expect(g).toMatchObject({ status: 'graded', level, complete: true, missing: [] });
  });

  it('names the deciding sub-indicator and the worst ratio to C', () => {
    const g = gradeVector(rodents, [
      value('indoor-sign-rate', 40, 1000, 100),
      value('proofing-nonconformity', 60, 1000, 100, 'points'),
      value('outdoor-path-index', 10, 10, 1, 'km'),
    ]);
    expect(g.level).toBe('C');
    expect(g.worst?.indicatorId).toBe('proofing-nonconformity');
    expect(g.worstRatioToC).toBeCloseTo(6 / 7, 10);
  });

  it('ties on level are broken by the higher ratio to C', () => {
    const g = gradeVector(rodents, [
      value('indoor-sign-rate', 45, 1000, 100),
      value('proofing-nonconformity', 60, 1000, 100, 'points'),
      value('outdoor-path-index', 10, 10, 1, 'km'),
    ]);
    expect(g.worst?.indicatorId).toBe('indoor-sign-rate');
  });
});

describe('gradeVector: states that are not grades', () => {
  it('nothing measured → no_data, no level', () => {
    expect(gradeVector(rodents, [])).toMatchObject({ status: 'no_data', level: null, worst: null, complete: false });
  });

  it('some sub-indicators measured → graded on those, incomplete, the rest listed as missing', () => {
    const g = gradeVector(rodents, [value('indoor-sign-rate', 22, 1000, 100)]);
    expect(g).toMatchObject({ status: 'graded', level: 'B', complete: false, missing: ['proofing-nonconformity', 'outdoor-path-index'] });
  });

  it('a zero denominator is no data, not zero', () => {
    const g = gradeVector(rodents, [value('indoor-sign-rate', 0, 0, 100)]);
    expect(g.status).toBe('no_data');
    expect(g.indicators[0]).toMatchObject({ status: 'no_data' });
  });

  it('below the minimum sample → sample_too_small (trap-night density needs 200 trap-nights)', () => {
    const localPack = {
      ...rodents,
      indicators: rodents.indicators.map((i) => (i.id === 'trap-night-density' ? { ...i, limits: { A: 1, B: 2, C: 3 } } : i)),
    };
    const small = gradeVector(localPack, [value('trap-night-density', 2, 199, 100, 'trap-nights')]);
    expect(small).toMatchObject({ status: 'sample_too_small', level: null });
    expect(small.indicators.find((o) => o.indicatorId === 'trap-night-density')).toMatchObject({
      status: 'sample_too_small',
      required: { unit: 'trap-nights', count: 200 },
    });
    const enough = gradeVector(localPack, [value('trap-night-density', 2, 200, 100, 'trap-nights')]);
    expect(enough).toMatchObject({ status: 'graded', level: 'A' });
  });

  it('a sensor proxy without limits is reported, not graded, and does not stand in for missing survey data', () => {
    const g = gradeVector(rodents, [value('station-positive-rate-indoor', 3, 10, 100, 'stations')]);
    expect(g.status).toBe('no_data');
    expect(g.indicators.find((o) => o.indicatorId === 'station-positive-rate-indoor')?.status).toBe('reported');
  });

  it('a proxy given limits by a local pack grades and covers its standard indicator', () => {
    const local = {
      ...rodents,
      indicators: rodents.indicators.map((i) => (i.id === 'station-positive-rate-indoor' ? { ...i, limits: { A: 5, B: 10, C: 20 } } : i)),
    };
    const g = gradeVector(local, [
      value('station-positive-rate-indoor', 3, 40, 100, 'stations'), // 7.5 % → B
      value('proofing-nonconformity', 1, 100, 100, 'points'),
      value('outdoor-path-index', 1, 10, 1, 'km'),
    ]);
    expect(g).toMatchObject({ status: 'graded', level: 'B', complete: true, missing: [] });
  });

  it('per-positive indicators are not applicable when the survey found no positives', () => {
    const values = computeIndices(flies, { devices: [], surveys: districtSurveys({ flyRoomPct: 0 }) });
    const g = gradeVector(flies, values);
    expect(g.indicators.find((o) => o.indicatorId === 'flies-per-positive-room')?.status).toBe('not_applicable');
    expect(g).toMatchObject({ status: 'graded', level: 'A', complete: true });
  });

  it('refuses values for indicators the pack does not have, and duplicates', () => {
    expect(() => gradeVector(rodents, [value('room-positive-rate', 1, 10, 100)])).toThrow(RuleError);
    expect(() => gradeVector(rodents, [value('indoor-sign-rate', 1, 10, 100), value('indoor-sign-rate', 1, 10, 100)])).toThrow(
      /two values/,
    );
  });
});
