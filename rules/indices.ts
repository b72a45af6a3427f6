/**
 * Indices for one scope and period: for every indicator of a pack that has a calculator, numerator ÷ denominator
 * (scaled by the pack's `formula.scale`), with both parts, the sample size and the evidence kept (standards.md §9.1).
 * Calculators are an explicit registry keyed by vector and indicator id; an indicator a local pack adds without a
 * calculator simply has no value (no_data) until one is registered here.
 */
import type { BandPack, DensityPack } from '../contracts/rule-pack.ts';
import type { IndexValue } from './index-value.ts';
import { scaledRatio } from './index-value.ts';
import type { IndexInput } from './indices/inputs.ts';
import type { Calculator } from './indices/raw-index.ts';
import {
  lightTrapIndex,
  stationPositiveRate,
  stickyCountPerTrap,
  stickyPositiveRate,
  trapNightDensity,
} from './indices/sensor-indices.ts';
import { surveyCalculators } from './indices/survey-indices.ts';

export type { DeviceAggregate, IndexInput, LampNight, SurveyRecord } from './indices/inputs.ts';

export const CALCULATORS: Readonly<Record<DensityPack['vector'] | 'band', Readonly<Record<string, Calculator>>>> = {
  rodent: {
    ...surveyCalculators.rodent,
    'station-positive-rate-indoor': stationPositiveRate('indoor'),
    'station-positive-rate-outdoor': stationPositiveRate('outdoor'),
    'trap-night-density': trapNightDensity,
  },
  mosquito: { ...surveyCalculators.mosquito, 'light-trap-index': lightTrapIndex },
  fly: {
    ...surveyCalculators.fly,
    'sticky-positive-rate': stickyPositiveRate('fly'),
    'sticky-count-per-trap': stickyCountPerTrap('fly'),
  },
  cockroach: {
    ...surveyCalculators.cockroach,
    'sticky-positive-rate': stickyPositiveRate('cockroach'),
    'sticky-count-per-trap': stickyCountPerTrap('cockroach'),
  },
  band: surveyCalculators.band,
};

/** Values for the pack's indicators that the input bears on; the rest are absent (no data). */
export function computeIndices(pack: DensityPack | BandPack, input: IndexInput): IndexValue[] {
  const calculators = CALCULATORS[pack.type === 'density' ? pack.vector : 'band'];
  const indicators = pack.type === 'density' ? pack.indicators : pack.indices;
  return indicators.flatMap((indicator) => {
    const raw = calculators[indicator.id]?.(input);
    if (raw === undefined || raw === null) return [];
    return [{ indicatorId: indicator.id, ...raw, value: scaledRatio(raw.numerator, raw.denominator, indicator.formula.scale) }];
  });
}
