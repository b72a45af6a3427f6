/**
 * When an unacknowledged alert escalates (issue 3: critical after 30 min, major after 4 h by default). Level n is
 * due at openedAt + n × the severity's delay, up to `maxLevel` (peers.md §3 item 5: technician → contractor
 * manager → health office). Acknowledging stops the clock; every level escalates once and re-notifies.
 */
import type { Severity } from '../../contracts/alert.ts';

export interface EscalationPolicy {
  criticalMs: number;
  majorMs: number;
  /** null: minor and info alerts never escalate. */
  minorMs: number | null;
  maxLevel: number;
}

export const DEFAULT_ESCALATION: EscalationPolicy = Object.freeze({
  criticalMs: 30 * 60_000,
  majorMs: 4 * 3_600_000,
  minorMs: null,
  maxLevel: 2,
});

/** Delay per level for a severity, or null when it does not escalate. */
export function escalationDelayMs(policy: EscalationPolicy, severity: Severity): number | null {
  switch (severity) {
    case 'critical':
      return policy.criticalMs;
    case 'major':
      return policy.majorMs;
    case 'minor':
      return policy.minorMs;
    case 'info':
      return null;
  }
}
