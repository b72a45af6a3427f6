/**
 * Grades one sub-indicator value against its A/B/C limits (GB/T 27770–27773-2011, standards.md §2.2–2.5).
 * A is best; C is the minimum pass level; above the C limit is "below C" (不达标). Whether a value equal to a limit
 * meets it is the indicator's `comparison`: `le` (≤, most indicators) or `lt` (<, e.g. larvae per positive dip).
 */
import type { DensityIndicator, Limits } from '../contracts/rule-pack.ts';
import { compare } from './compare.ts';

export const LEVELS = ['A', 'B', 'C', 'below_C'] as const;
export type Level = (typeof LEVELS)[number];

/** An indicator with limits; sensor proxies without published limits are reported, not graded. */
export type GradedIndicator = DensityIndicator & { limits: Limits };

export function hasLimits(indicator: DensityIndicator): indicator is GradedIndicator {
  return indicator.limits !== null;
}

export interface IndicatorGrade {
  readonly indicatorId: string;
  readonly value: number;
  readonly level: Level;
  /**
   * value ÷ C limit: 1.96 means 1.96× the C limit. When C is 0 (e.g. flies in food premises) the ratio is 0 for a
   * zero value and Infinity otherwise.
   */
  readonly ratioToC: number;
  readonly limitC: number;
}

export function ratioToLimit(value: number, limit: number): number {
  if (limit === 0) return value === 0 ? 0 : Number.POSITIVE_INFINITY;
  return value / limit;
}

export function gradeIndicator(value: number, indicator: GradedIndicator): IndicatorGrade {
  const { limits, comparison } = indicator;
  const level: Level = compare(value, comparison, limits.A)
    ? 'A'
    : compare(value, comparison, limits.B)
      ? 'B'
      : compare(value, comparison, limits.C)
        ? 'C'
        : 'below_C';
  return { indicatorId: indicator.id, value, level, ratioToC: ratioToLimit(value, limits.C), limitC: limits.C };
}

/** Worst of levels by rank (A < B < C < below_C); undefined for an empty list. */
export function worstLevel(levels: readonly Level[]): Level | undefined {
  let worst: Level | undefined;
  for (const l of levels) if (worst === undefined || LEVELS.indexOf(l) > LEVELS.indexOf(worst)) worst = l;
  return worst;
}

/** Is `level` at `min` or better (e.g. B meets C)? */
export function meetsLevel(level: Level, min: Level): boolean {
  return LEVELS.indexOf(level) <= LEVELS.indexOf(min);
}
