/**
 * Severity of an alert from its value and limit, as data: a rule carries a policy, never literals in logic.
 * Density grades by how far the value exceeds the C-level limit (issue 3: "severity by how far"); dengue by the
 * band the index falls in (standards.md §5, cut points from the band pack); device and bin rules are fixed.
 */
import { SEVERITIES, type Severity } from '../../contracts/alert.ts';
import type { Direction } from './condition.ts';

export type SeverityPolicy =
  | { type: 'fixed'; severity: Severity }
  /** By the ratio of value to limit (limit to value for `below` rules): the first band whose `maxRatio` holds. */
  | { type: 'ratio'; bands: readonly { maxRatio: number; severity: Severity }[]; beyond: Severity }
  /** By value: the last step whose `from` the value reaches; `base` below every step. */
  | { type: 'steps'; steps: readonly { from: number; severity: Severity }[]; base: Severity };

/** Density alerts: ≤1.5× the C limit minor, ≤2× major, beyond critical (issue 3). Override per deployment. */
export const DEFAULT_DENSITY_SEVERITY: SeverityPolicy = Object.freeze({
  type: 'ratio',
  bands: Object.freeze([
    Object.freeze({ maxRatio: 1.5, severity: 'minor' as const }),
    Object.freeze({ maxRatio: 2, severity: 'major' as const }),
  ]),
  beyond: 'critical',
});

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);
export const maxSeverity = (a: Severity, b: Severity): Severity => (severityRank(a) >= severityRank(b) ? a : b);

export function severityFor(policy: SeverityPolicy, value: number, limit: number, direction: Direction): Severity {
  switch (policy.type) {
    case 'fixed':
      return policy.severity;
    case 'ratio': {
      const ratio = direction === 'above' ? value / limit : limit / value;
      // A zero limit or value makes the ratio infinite (or NaN for 0/0): treat it as beyond every band.
      if (!Number.isFinite(ratio)) return policy.beyond;
      return policy.bands.find((b) => ratio <= b.maxRatio)?.severity ?? policy.beyond;
    }
    case 'steps': {
      const reached = policy.steps.filter((s) => (direction === 'above' ? value >= s.from : value <= s.from));
      return reached.at(-1)?.severity ?? policy.base;
    }
  }
}
