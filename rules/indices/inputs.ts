/**
 * Inputs of the index calculators, already cut to one scope (site, district, city) and one period by the caller:
 * per-device period aggregates from sensors, and field-survey records (surveys are posted later via the API).
 * A device aggregate with `reports: 0` stays in the list so the evidence is honest, but never counts in a denominator.
 */
import type { Device } from '../../contracts/registry.ts';

export type Placement = Device['placement'];

interface DeviceBase {
  readonly deviceId: string;
  /** Readings received in the period; 0 means the device was silent and is out of every denominator. */
  readonly reports: number;
}

export interface RodentStationAggregate extends DeviceBase {
  readonly kind: 'rodent_station';
  readonly placement: Placement;
  readonly visits: number;
  readonly caught: number;
  /** Effective trap-nights in the period (nights the station was set and reporting; GB/T 23798 夹夜法). */
  readonly trapNights: number;
}

/** One lamp-night of a light trap, dated by the night's start (`lampNightDate`). */
export interface LampNight {
  readonly night: string;
  /** The trap's reports cover the night from dusk to dawn; an uncovered night is not a lamp-night. */
  readonly coveredNight: boolean;
  readonly females: number;
}

export interface MosquitoTrapAggregate extends DeviceBase {
  readonly kind: 'mosquito_trap';
  readonly nights: readonly LampNight[];
}

export interface StickyTrapAggregate extends DeviceBase {
  readonly kind: 'sticky_trap';
  readonly target: 'fly' | 'cockroach';
  readonly count: number;
}

export type DeviceAggregate = RodentStationAggregate | MosquitoTrapAggregate | StickyTrapAggregate;

/** Field surveys (standards.md §2, §3.2, §5). Counts only; the caller keeps dates, places and inspectors. */
export type SurveyRecord =
  | { readonly kind: 'rodent_rooms'; readonly id: string; readonly roomsChecked: number; readonly roomsWithSigns: number }
  | { readonly kind: 'proofing'; readonly id: string; readonly vector: 'rodent' | 'fly'; readonly checked: number; readonly nonConforming: number }
  | { readonly kind: 'path_walk'; readonly id: string; readonly target: 'rodent_signs' | 'small_water'; readonly km: number; readonly positiveSites: number }
  | { readonly kind: 'dips'; readonly id: string; readonly dips: number; readonly positiveDips: number; readonly larvae: number }
  | { readonly kind: 'landing'; readonly id: string; readonly personSessions: number; readonly females: number }
  | { readonly kind: 'fly_rooms'; readonly id: string; readonly roomsChecked: number; readonly roomsWithFlies: number; readonly flies: number }
  | { readonly kind: 'fly_breeding_sites'; readonly id: string; readonly sitesChecked: number; readonly sitesPositive: number }
  | { readonly kind: 'food_premises'; readonly id: string; readonly premisesChecked: number; readonly premisesWithFlies: number }
  | {
      readonly kind: 'cockroach_rooms';
      readonly id: string;
      readonly roomsChecked: number;
      readonly roomsWithLive: number;
      readonly small: number;
      readonly large: number;
      readonly roomsWithOothecae: number;
      readonly oothecae: number;
      readonly roomsWithSigns: number;
    }
  | { readonly kind: 'breteau'; readonly id: string; readonly households: number; readonly positiveContainers: number }
  | { readonly kind: 'ovitrap'; readonly id: string; readonly effectiveTraps: number; readonly positiveTraps: number };

export type SurveyKind = SurveyRecord['kind'];

export interface IndexInput {
  readonly devices: readonly DeviceAggregate[];
  readonly surveys: readonly SurveyRecord[];
}
