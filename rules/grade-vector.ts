/**
 * Rolls a vector's sub-indicators up to one level with the worst-of rule (standards.md §2.1, GB/T 27770–27773-2011):
 * the vector's level is its worst sub-indicator's level, and any sub-indicator above its C limit makes the vector
 * "below C" (不达标). "No data" and "sample too small" are states, not grades: an indicator without a usable value
 * is left out of the roll-up and listed as missing, and a vector with no graded indicator has no level at all.
 */
import type { DensityPack, MinSample, Vector } from '../contracts/rule-pack.ts';
import { RuleError } from './errors.ts';
import { gradeIndicator, hasLimits, LEVELS, worstLevel, type IndicatorGrade, type Level } from './grade-indicator.ts';
import type { IndexValue } from './index-value.ts';

export type IndicatorOutcome =
  | { readonly indicatorId: string; readonly status: 'graded'; readonly grade: IndicatorGrade; readonly index: IndexValue }
  /** A sensor proxy with no published limit: the value is shown, not graded. */
  | { readonly indicatorId: string; readonly status: 'reported'; readonly index: IndexValue }
  /** Per-positive indicator (e.g. flies per positive room) when the survey found no positives: vacuously met. */
  | { readonly indicatorId: string; readonly status: 'not_applicable'; readonly index: IndexValue }
  | { readonly indicatorId: string; readonly status: 'sample_too_small'; readonly index: IndexValue; readonly required: MinSample }
  | { readonly indicatorId: string; readonly status: 'no_data'; readonly index: IndexValue | null };

export interface VectorGrade {
  readonly vector: Vector;
  readonly packId: string;
  readonly packVersion: string;
  readonly status: 'graded' | 'no_data' | 'sample_too_small';
  /** Worst sub-indicator level; null unless status is 'graded'. */
  readonly level: Level | null;
  /** The deciding sub-indicator: worst level, ties broken by the higher ratio to C. */
  readonly worst: IndicatorGrade | null;
  /** Highest ratio to the C limit among graded sub-indicators (the provincial-legacy profile's measure). */
  readonly worstRatioToC: number | null;
  /** Every graded sub-indicator (or a proxy with limits standing in for it) had a usable value. */
  readonly complete: boolean;
  /** Graded sub-indicators without a usable value, by the standard indicator's id. */
  readonly missing: readonly string[];
  readonly indicators: readonly IndicatorOutcome[];
}

function indexById(pack: DensityPack, values: readonly IndexValue[]): Map<string, IndexValue> {
  const known = new Set(pack.indicators.map((i) => i.id));
  const byId = new Map<string, IndexValue>();
  for (const v of values) {
    if (!known.has(v.indicatorId))
      throw new RuleError('RULE_INPUT_INVALID', `pack '${pack.id}' has no indicator '${v.indicatorId}'`);
    if (byId.has(v.indicatorId)) throw new RuleError('RULE_INPUT_INVALID', `two values for indicator '${v.indicatorId}'`);
    byId.set(v.indicatorId, v);
  }
  return byId;
}

function outcomeOf(pack: DensityPack, id: string, byId: ReadonlyMap<string, IndexValue>): IndicatorOutcome {
  const indicator = pack.indicators.find((i) => i.id === id);
  if (indicator === undefined) throw new RuleError('RULE_INPUT_INVALID', `pack '${pack.id}' has no indicator '${id}'`);
  const index = byId.get(id);
  if (index === undefined) return { indicatorId: id, status: 'no_data', index: null };
  if (index.value === null) {
    const parentId = indicator.formula.perPositiveOf;
    const parent = parentId === undefined ? undefined : byId.get(parentId);
    const noPositives = parent !== undefined && parent.denominator > 0 && parent.numerator === 0;
    return noPositives ? { indicatorId: id, status: 'not_applicable', index } : { indicatorId: id, status: 'no_data', index };
  }
  const min = indicator.minSample;
  if (min !== undefined) {
    if (index.sampleSize.unit !== min.unit)
      throw new RuleError('RULE_INPUT_INVALID', `indicator '${id}': sample in ${index.sampleSize.unit}, pack requires ${min.unit}`);
    if (index.sampleSize.count < min.count) return { indicatorId: id, status: 'sample_too_small', index, required: min };
  }
  if (!hasLimits(indicator)) return { indicatorId: id, status: 'reported', index };
  return { indicatorId: id, status: 'graded', grade: gradeIndicator(index.value, indicator), index };
}

function rank(g: IndicatorGrade): [number, number] {
  return [LEVELS.indexOf(g.level), g.ratioToC];
}

export function gradeVector(pack: DensityPack, values: readonly IndexValue[]): VectorGrade {
  const byId = indexById(pack, values);
  const indicators = pack.indicators.map((i) => outcomeOf(pack, i.id, byId));
  const status = new Map(indicators.map((o) => [o.indicatorId, o.status]));

  // A standard indicator and the proxies that stand in for it form one group; a group with a limit needs data.
  const groups = new Map<string, { graded: boolean; satisfied: boolean }>();
  for (const ind of pack.indicators) {
    const key = ind.proxyFor ?? ind.id;
    const g = groups.get(key) ?? { graded: false, satisfied: false };
    if (hasLimits(ind)) {
      g.graded = true;
      const s = status.get(ind.id);
      if (s === 'graded' || s === 'not_applicable') g.satisfied = true;
    }
    groups.set(key, g);
  }
  const missing = [...groups].filter(([, g]) => g.graded && !g.satisfied).map(([key]) => key);

  const grades = indicators.flatMap((o) => (o.status === 'graded' ? [o.grade] : []));
  const header = { vector: pack.vector, packId: pack.id, packVersion: pack.version, missing, indicators };
  if (grades.length === 0) {
    const graded = new Set(pack.indicators.filter(hasLimits).map((i) => i.id));
    const tooSmall = indicators.some((o) => o.status === 'sample_too_small' && graded.has(o.indicatorId));
    return { ...header, status: tooSmall ? 'sample_too_small' : 'no_data', level: null, worst: null, worstRatioToC: null, complete: false };
  }
  let worst = grades[0] as IndicatorGrade;
  for (const g of grades) {
    const [a, b] = [rank(g), rank(worst)];
    if (a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])) worst = g;
  }
  return {
    ...header,
    status: 'graded',
    level: worstLevel(grades.map((g) => g.level)) ?? null,
    worst,
    worstRatioToC: Math.max(...grades.map((g) => g.ratioToC)),
    complete: missing.length === 0,
  };
}
