/**
 * Hygienic-city certification of a scope from its vectors' grades, under a profile chosen per evaluation
 * (standards.md §4): `national` needs every vector at C or better; `provincial-legacy` lets one vector miss C
 * provided its worst sub-indicator is at most 3× its C limit (鼠、蚊、蝇、蟑螂有三项达到标准，另一项不超过国家标准的3倍).
 *
 * Outcome: `fail` as soon as the known grades fail a rule (more data can only keep or worsen a worst-of level, so a
 * failure is final); `insufficient_data` when no rule failed but a vector is ungraded or incomplete; else `pass`.
 */
import type { CertificationProfile, Vector } from '../contracts/rule-pack.ts';
import { RuleError } from './errors.ts';
import { meetsLevel, type Level } from './grade-indicator.ts';
import type { VectorGrade } from './grade-vector.ts';

export interface VectorStanding {
  readonly vector: Vector;
  readonly status: VectorGrade['status'];
  readonly level: Level | null;
  readonly worstRatioToC: number | null;
  /** At the profile's minimum level or better; null when not graded. */
  readonly meets: boolean | null;
  readonly complete: boolean;
}

export interface RuleCheck {
  readonly rule: 'vectors_at_min_level' | 'below_within_ratio' | 'vectors_evaluated';
  readonly vector?: Vector;
  readonly passed: boolean;
  /** What was measured: vectors below the minimum level, or a ratio to the C limit, or vectors evaluated. */
  readonly observed: number;
  readonly allowed: number;
  /** How far past `allowed` (> 0 on failure) or, negative, how much room was left. */
  readonly margin: number;
  readonly detail: string;
}

export interface CertificationResult {
  readonly profileId: string;
  readonly outcome: 'pass' | 'fail' | 'insufficient_data';
  readonly vectors: readonly VectorStanding[];
  readonly checks: readonly RuleCheck[];
}

const times = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}×` : 'unbounded (C limit is 0)');

export function certify(profile: CertificationProfile, grades: readonly VectorGrade[]): CertificationResult {
  const byVector = new Map<Vector, VectorGrade>();
  for (const g of grades) {
    if (byVector.has(g.vector)) throw new RuleError('RULE_INPUT_INVALID', `two grades for vector '${g.vector}'`);
    byVector.set(g.vector, g);
  }
  const vectors: VectorStanding[] = profile.vectors.map((vector) => {
    const g = byVector.get(vector);
    if (g === undefined || g.level === null)
      return { vector, status: g?.status ?? 'no_data', level: null, worstRatioToC: null, meets: null, complete: false };
    return { vector, status: g.status, level: g.level, worstRatioToC: g.worstRatioToC, meets: meetsLevel(g.level, profile.minLevel), complete: g.complete };
  });

  const checks: RuleCheck[] = [];
  const below = vectors.filter((v) => v.meets === false);
  const graded = vectors.filter((v) => v.meets !== null);
  const names = (vs: readonly VectorStanding[]) => vs.map((v) => `${v.vector} ${v.level} (${times(v.worstRatioToC ?? 0)} C)`).join(', ');
  checks.push({
    rule: 'vectors_at_min_level',
    passed: below.length <= profile.allowedBelow,
    observed: below.length,
    allowed: profile.allowedBelow,
    margin: below.length - profile.allowedBelow,
    detail:
      `${graded.length - below.length} of ${profile.vectors.length} vectors at ${profile.minLevel} or better; ` +
      `${below.length} below${below.length > 0 ? `: ${names(below)}` : ''}; at most ${profile.allowedBelow} allowed`,
  });
  const maxRatio = profile.belowMaxRatioToC;
  if (maxRatio !== null) {
    for (const v of below) {
      const ratio = v.worstRatioToC ?? Number.POSITIVE_INFINITY;
      const passed = ratio <= maxRatio;
      const margin = ratio - maxRatio;
      checks.push({
        rule: 'below_within_ratio',
        vector: v.vector,
        passed,
        observed: ratio,
        allowed: maxRatio,
        margin,
        detail: passed
          ? `${v.vector} is ${times(ratio)} its C limit, within ${maxRatio}× by ${(-margin).toFixed(2)}×`
          : `${v.vector} is ${times(ratio)} its C limit, over ${maxRatio}×${Number.isFinite(margin) ? ` by ${margin.toFixed(2)}×` : ''}`,
      });
    }
  }
  const unevaluated = vectors.filter((v) => v.meets === null || !v.complete);
  checks.push({
    rule: 'vectors_evaluated',
    passed: unevaluated.length === 0,
    observed: vectors.length - unevaluated.length,
    allowed: vectors.length,
    margin: unevaluated.length,
    detail:
      unevaluated.length === 0
        ? `all ${vectors.length} vectors graded on every sub-indicator`
        : `not fully graded: ${unevaluated.map((v) => `${v.vector} (${v.meets === null ? v.status : 'incomplete'})`).join(', ')}`,
  });

  const failed = checks.some((c) => c.rule !== 'vectors_evaluated' && !c.passed);
  const outcome = failed ? 'fail' : unevaluated.length > 0 ? 'insufficient_data' : 'pass';
  return { profileId: profile.id, outcome, vectors, checks };
}
