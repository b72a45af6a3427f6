/**
 * Field-survey indices (standards.md §2.2–2.5, §3.2, §5): each is Σ numerator ÷ Σ denominator over the survey
 * records of one kind in scope, so several inspection rounds pool into one sample, as the published city surveys do.
 */
import type { IndexInput, SurveyKind, SurveyRecord } from './inputs.ts';
import type { Calculator, RawIndex } from './raw-index.ts';

type Of<K extends SurveyKind> = Extract<SurveyRecord, { kind: K }>;

export function fromSurveys<K extends SurveyKind>(
  kind: K,
  numerator: (s: Of<K>) => number,
  denominator: (s: Of<K>) => number,
  sampleUnit: string,
  only: (s: Of<K>) => boolean = () => true,
): Calculator {
  return (input: IndexInput): RawIndex | null => {
    const records = input.surveys.filter((s): s is Of<K> => s.kind === kind && only(s as Of<K>));
    if (records.length === 0) return null;
    const den = records.reduce((sum, s) => sum + denominator(s), 0);
    return {
      numerator: records.reduce((sum, s) => sum + numerator(s), 0),
      denominator: den,
      sampleSize: { count: den, unit: sampleUnit },
      evidence: { devices: [], surveys: records.map((s) => s.id) },
    };
  };
}

export const surveyCalculators = {
  rodent: {
    'indoor-sign-rate': fromSurveys('rodent_rooms', (s) => s.roomsWithSigns, (s) => s.roomsChecked, 'rooms'),
    'proofing-nonconformity': fromSurveys('proofing', (s) => s.nonConforming, (s) => s.checked, 'points', (s) => s.vector === 'rodent'),
    'outdoor-path-index': fromSurveys('path_walk', (s) => s.positiveSites, (s) => s.km, 'km', (s) => s.target === 'rodent_signs'),
  },
  mosquito: {
    'small-water-path-index': fromSurveys('path_walk', (s) => s.positiveSites, (s) => s.km, 'km', (s) => s.target === 'small_water'),
    'dip-index': fromSurveys('dips', (s) => s.positiveDips, (s) => s.dips, 'dips'),
    'larvae-per-positive-dip': fromSurveys('dips', (s) => s.larvae, (s) => s.positiveDips, 'positive dips'),
    'adult-landing-index': fromSurveys('landing', (s) => s.females, (s) => s.personSessions, 'person-sessions'),
  },
  fly: {
    'room-positive-rate': fromSurveys('fly_rooms', (s) => s.roomsWithFlies, (s) => s.roomsChecked, 'rooms'),
    'flies-per-positive-room': fromSurveys('fly_rooms', (s) => s.flies, (s) => s.roomsWithFlies, 'positive rooms'),
    'proofing-nonconformity': fromSurveys('proofing', (s) => s.nonConforming, (s) => s.checked, 'points', (s) => s.vector === 'fly'),
    'outdoor-breeding-site-rate': fromSurveys('fly_breeding_sites', (s) => s.sitesPositive, (s) => s.sitesChecked, 'sites'),
    'food-premises-flies': fromSurveys('food_premises', (s) => s.premisesWithFlies, (s) => s.premisesChecked, 'premises'),
  },
  cockroach: {
    'infestation-rate': fromSurveys('cockroach_rooms', (s) => s.roomsWithLive, (s) => s.roomsChecked, 'rooms'),
    'small-per-positive-room': fromSurveys('cockroach_rooms', (s) => s.small, (s) => s.roomsWithLive, 'positive rooms'),
    'large-per-positive-room': fromSurveys('cockroach_rooms', (s) => s.large, (s) => s.roomsWithLive, 'positive rooms'),
    'ootheca-rate': fromSurveys('cockroach_rooms', (s) => s.roomsWithOothecae, (s) => s.roomsChecked, 'rooms'),
    'oothecae-per-positive-room': fromSurveys('cockroach_rooms', (s) => s.oothecae, (s) => s.roomsWithOothecae, 'positive rooms'),
    'sign-rate': fromSurveys('cockroach_rooms', (s) => s.roomsWithSigns, (s) => s.roomsChecked, 'rooms'),
  },
  band: {
    'breteau-index': fromSurveys('breteau', (s) => s.positiveContainers, (s) => s.households, 'households'),
    'ovitrap-index': fromSurveys('ovitrap', (s) => s.positiveTraps, (s) => s.effectiveTraps, 'traps'),
  },
} satisfies Record<string, Record<string, Calculator>>;
