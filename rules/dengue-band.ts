/**
 * Dengue Aedes risk band of a Breteau index or ovitrap index value (standards.md §5): cut points 5/10/20 from the
 * band pack. Boundary handling is a documented conflict, so it is a parameter: `lower` (Chongqing: 10 ≤ BI < 20 is
 * medium [S33]) or `upper` (Panyu graded BI = 10.00 as level 1 [S36]). The pack's default applies when omitted.
 */
import type { BandIndex, BandInclusivity, BandPack } from '../contracts/rule-pack.ts';
import { RuleError } from './errors.ts';
import type { IndexValue } from './index-value.ts';

export interface BandResult {
  readonly indexId: string;
  readonly value: number;
  /** 0 for the best band, rising with risk. */
  readonly level: number;
  readonly bandId: string;
  readonly inclusivity: BandInclusivity;
}

export function bandOf(value: number, index: BandIndex, inclusivity: BandInclusivity): BandResult {
  // lower-inclusive: value reaches a cut's band when value ≥ cut; upper-inclusive: only when value > cut.
  const level = index.cuts.filter((cut) => (inclusivity === 'lower' ? value >= cut : value > cut)).length;
  const band = index.bands[level];
  if (band === undefined) throw new RuleError('RULE_INPUT_INVALID', `index '${index.id}' has no band ${level}`);
  return { indexId: index.id, value, level, bandId: band.id, inclusivity };
}

export function dengueBand(pack: BandPack, indexId: string, value: number, inclusivity: BandInclusivity = pack.inclusivity): BandResult {
  const index = pack.indices.find((i) => i.id === indexId);
  if (index === undefined) throw new RuleError('RULE_INPUT_INVALID', `pack '${pack.id}' has no index '${indexId}'`);
  return bandOf(value, index, inclusivity);
}

export type BandOutcome =
  | ({ readonly status: 'banded' } & BandResult)
  | { readonly status: 'no_data'; readonly indexId: string }
  | { readonly status: 'sample_too_small'; readonly indexId: string; readonly sampleSize: number; readonly required: number };

/** Band of a computed index, honouring the index's minimum sample (e.g. BI: ≥100 households per point [S24]). */
export function bandIndexValue(pack: BandPack, value: IndexValue, inclusivity: BandInclusivity = pack.inclusivity): BandOutcome {
  const index = pack.indices.find((i) => i.id === value.indicatorId);
  if (index === undefined) throw new RuleError('RULE_INPUT_INVALID', `pack '${pack.id}' has no index '${value.indicatorId}'`);
  if (value.value === null) return { status: 'no_data', indexId: index.id };
  const min = index.minSample;
  if (min !== undefined && value.sampleSize.count < min.count)
    return { status: 'sample_too_small', indexId: index.id, sampleSize: value.sampleSize.count, required: min.count };
  return { status: 'banded', ...bandOf(value.value, index, inclusivity) };
}
