/**
 * Test support: survey records for constructed districts. Every sub-indicator sits at level A unless the caller
 * sets the headline rate of a vector, so a test can move one vector across its limits and watch the result.
 */
import type { SurveyRecord } from '../indices/inputs.ts';

export interface DistrictRates {
  /** rodent indoor-sign positive rate, % */
  rodentIndoorPct?: number;
  /** mosquito small-water path index, sites/km */
  mosquitoPathIndex?: number;
  /** fly room positive rate, % */
  flyRoomPct?: number;
  /** cockroach infestation rate, % */
  cockroachPct?: number;
}

const ROOMS = 1000;

/** Surveys of one district: 1000 rooms per room survey, 100 km per path walk. */
export function districtSurveys(rates: DistrictRates = {}, prefix = 'd'): SurveyRecord[] {
  const rooms = (pct: number) => Math.round((pct * ROOMS) / 100);
  const flyRooms = rooms(rates.flyRoomPct ?? 2);
  const live = rooms(rates.cockroachPct ?? 0.5);
  return [
    { kind: 'rodent_rooms', id: `${prefix}-rr`, roomsChecked: ROOMS, roomsWithSigns: rooms(rates.rodentIndoorPct ?? 0.5) },
    { kind: 'proofing', id: `${prefix}-rp`, vector: 'rodent', checked: 100, nonConforming: 1 },
    { kind: 'path_walk', id: `${prefix}-rw`, target: 'rodent_signs', km: 100, positiveSites: 50 },
    { kind: 'path_walk', id: `${prefix}-mw`, target: 'small_water', km: 100, positiveSites: Math.round((rates.mosquitoPathIndex ?? 0.05) * 100) },
    { kind: 'dips', id: `${prefix}-md`, dips: 200, positiveDips: 2, larvae: 4 },
    { kind: 'landing', id: `${prefix}-ml`, personSessions: 20, females: 6 },
    { kind: 'fly_rooms', id: `${prefix}-fr`, roomsChecked: ROOMS, roomsWithFlies: flyRooms, flies: flyRooms * 2 },
    { kind: 'proofing', id: `${prefix}-fp`, vector: 'fly', checked: 100, nonConforming: 1 },
    { kind: 'fly_breeding_sites', id: `${prefix}-fb`, sitesChecked: 200, sitesPositive: 1 },
    { kind: 'food_premises', id: `${prefix}-ff`, premisesChecked: 40, premisesWithFlies: 0 },
    {
      kind: 'cockroach_rooms',
      id: `${prefix}-cr`,
      roomsChecked: ROOMS,
      roomsWithLive: live,
      small: live * 3,
      large: live,
      roomsWithOothecae: 5,
      oothecae: 5,
      roomsWithSigns: 20,
    },
  ];
}
