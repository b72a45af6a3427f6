import { describe, expect, it } from 'vitest';
import { SURVEY_KINDS, SurveyInputSchema, SurveyQuerySchema } from './survey.ts';

const base = { districtId: 'yuexiu', surveyedAt: '2026-11-05T10:00:00+08:00' };
const VALID: Record<string, Record<string, unknown>> = {
  rodent_rooms: { roomsChecked: 100, roomsWithSigns: 3 },
  proofing: { vector: 'rodent', checked: 50, nonConforming: 2 },
  path_walk: { target: 'small_water', km: 2.5, positiveSites: 1 },
  dips: { dips: 200, positiveDips: 4, larvae: 9 },
  landing: { personSessions: 6, females: 4 },
  fly_rooms: { roomsChecked: 80, roomsWithFlies: 5, flies: 9 },
  fly_breeding_sites: { sitesChecked: 40, sitesPositive: 1 },
  food_premises: { premisesChecked: 20, premisesWithFlies: 0 },
  cockroach_rooms: { roomsChecked: 100, roomsWithLive: 4, small: 12, large: 1, roomsWithOothecae: 2, oothecae: 3, roomsWithSigns: 6 },
  breteau: { households: 120, positiveContainers: 7 },
  ovitrap: { effectiveTraps: 50, positiveTraps: 3 },
};

describe('survey contract', () => {
  it('has an example for every kind, and each parses', () => {
    expect(Object.keys(VALID).sort()).toEqual([...SURVEY_KINDS].sort());
    for (const [kind, fields] of Object.entries(VALID)) expect(SurveyInputSchema.safeParse({ ...base, kind, ...fields }).success, kind).toBe(true);
  });

  it.each([
    ['rodent_rooms', { roomsChecked: 10, roomsWithSigns: 11 }, 'roomsWithSigns'],
    ['dips', { dips: 10, positiveDips: 3, larvae: 2 }, 'larvae'],
    ['fly_rooms', { roomsChecked: 10, roomsWithFlies: 2, flies: 1 }, 'flies'],
    ['ovitrap', { effectiveTraps: 10, positiveTraps: 12 }, 'positiveTraps'],
    ['rodent_rooms', { roomsChecked: 0, roomsWithSigns: 0 }, 'roomsChecked'],
    ['path_walk', { target: 'small_water', km: 0, positiveSites: 0 }, 'km'],
    ['breteau', { households: 100, positiveContainers: 1, extra: 1 }, ''],
  ])('%s %j is refused, naming %s', (kind, fields, path) => {
    const r = SurveyInputSchema.safeParse({ ...base, kind, ...fields });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('needs an offset on surveyedAt and a known kind', () => {
    expect(SurveyInputSchema.safeParse({ ...base, surveyedAt: '2026-11-05T10:00:00', kind: 'breteau', households: 1, positiveContainers: 0 }).success).toBe(false);
    expect(SurveyInputSchema.safeParse({ ...base, kind: 'talc', blocks: 1 }).success).toBe(false);
  });

  it('query: limit defaults to 100 and is bounded', () => {
    expect(SurveyQuerySchema.parse({}).limit).toBe(100);
    expect(SurveyQuerySchema.safeParse({ limit: '5000' }).success).toBe(false);
  });
});
