import { describe, expect, it } from 'vitest';
import type { Survey } from '../../../contracts/survey.ts';
import { loadPacks } from '../../load-packs.ts';
import { periodFromLabel } from '../../periods.ts';
import { describeGrades, indicatorLines } from './describe-grades.ts';
import { gradeScope, gradingPacks } from './grade-scope.ts';
import type { ScopedAggregate } from './sensor-aggregates.ts';

const LOCAL = new URL('../../local-example/', import.meta.url).pathname;
const packs = gradingPacks(loadPacks({ localDir: LOCAL }));
const period = periodFromLabel('2026-11', 'Asia/Shanghai');

const station = (id: string, siteId: string, districtId: string, visits: number, reports = 96): ScopedAggregate => ({
  kind: 'rodent_station', deviceId: id, siteId, districtId, placement: 'indoor', reports, visits, caught: 0, trapNights: reports / 96,
});
const survey = (id: string, districtId: string, siteId: string | undefined, roomsWithSigns: number): Survey => ({
  kind: 'rodent_rooms', id, districtId, ...(siteId ? { siteId } : {}), surveyedAt: '2026-11-05T10:00:00+08:00', roomsChecked: 100, roomsWithSigns, createdAt: '', createdBy: 'x',
});

const aggregates = [
  station('a1', 'yx-a', 'yuexiu', 3),
  station('a2', 'yx-a', 'yuexiu', 0),
  station('a3', 'yx-b', 'yuexiu', 1),
  station('a4', 'yx-b', 'yuexiu', 0, 0), // silent all month: out of the denominator
  station('b1', 'th-a', 'tianhe', 0),
];
const surveys = [survey('s1', 'yuexiu', 'yx-a', 4), survey('s2', 'yuexiu', undefined, 2), survey('s3', 'tianhe', 'th-a', 9)];

describe('grading one scope from sensors and surveys', () => {
  it('mixes sensor proxies and survey indicators; a silent device is out of the denominator', () => {
    const g = gradeScope(packs, { level: 'district', id: 'yuexiu' }, aggregates, surveys);
    const report = describeGrades(packs, g, period, { evidenceIds: true });
    const rodent = report.vectors.find((v) => v.vector === 'rodent');
    const ind = (id: string) => rodent?.indicators.find((i) => i.indicatorId === id);
    expect(ind('station-positive-rate-indoor')).toMatchObject({ status: 'graded', numerator: 2, denominator: 3, level: 'below_C', limits: { A: 10, B: 20, C: 30 }, evidence: { devices: 3, deviceIds: ['a1', 'a2', 'a3'] } });
    expect(ind('indoor-sign-rate')).toMatchObject({ status: 'graded', numerator: 6, denominator: 200, value: 3, level: 'B', evidence: { surveys: 2 } });
    expect(ind('outdoor-path-index')).toMatchObject({ status: 'no_data', value: null });
    expect(ind('trap-night-density')).toMatchObject({ status: 'sample_too_small', requiredSample: { unit: 'trap-nights', count: 200 } });
    expect(rodent).toMatchObject({ status: 'graded', level: 'below_C', worstIndicator: 'station-positive-rate-indoor', complete: false });
    expect(report.evidence).toEqual({ devicesListed: 4, devicesReporting: 3, surveys: 2 });
    expect(report.vectors.find((v) => v.vector === 'fly')).toMatchObject({ status: 'no_data', level: null });
    expect(report.dengue.map((b) => [b.indexId, b.status])).toEqual([['breteau-index', 'no_data'], ['ovitrap-index', 'no_data']]);
  });

  it('a site scope sees its own devices and site surveys only; the city sees everything', () => {
    const site = gradeScope(packs, { level: 'site', id: 'yx-a' }, aggregates, surveys);
    expect(site.evidence).toEqual({ devicesListed: 2, devicesReporting: 2, surveys: 1 });
    const city = gradeScope(packs, { level: 'city', id: 'city' }, aggregates, surveys);
    expect(city.evidence).toEqual({ devicesListed: 5, devicesReporting: 4, surveys: 3 });
  });

  it('writes one indicator point per indicator, stamped at the period start, with numerator and denominator', () => {
    const g = gradeScope(packs, { level: 'district', id: 'yuexiu' }, aggregates, surveys);
    const lines = indicatorLines(describeGrades(packs, g, period), 'yuexiu', period.startMs);
    const line = lines.find((l) => l.includes('indicator=station-positive-rate-indoor'));
    expect(line).toBe(
      `indicator,district=yuexiu,indicator=station-positive-rate-indoor,pack=gbt-27770-2011,period=2026-11,period_kind=month,scope=yuexiu,scope_level=district,vector=rodent ` +
        `value=66.66666666666667,numerator=2,denominator=3,sample_size=3,limit_a=10,limit_b=20,limit_c=30,ratio_to_c=2.2222222222222223,level="below_C" ${BigInt(period.startMs) * 1_000_000n}`,
    );
    expect(lines.find((l) => l.includes('indicator=outdoor-path-index'))).toMatch(/ limit_a=1,limit_b=3,limit_c=5,level="no_data" /);
    expect(lines.some((l) => l.includes('indicator=breteau-index') && l.includes('level="no_data"'))).toBe(true);
  });
});
