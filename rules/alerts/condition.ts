/**
 * The anti-flap evaluator: turns a stream of observations of one rule key into transitions, with separate
 * fire and clear thresholds (hysteresis) and minimum durations, so a value wobbling at the limit neither
 * flaps nor spams (peers.md §2.7: thingsboard#7943, grafana#6202; §3 item 5). Pure: state in, state out;
 * the caller persists the state (alert-store.ts) so evaluation resumes after a restart.
 *
 * Semantics (docs/alerts.md "Hysteresis"):
 * - not breaching: a value meeting `fire` starts a pending period; `fire` once it has held for `holdMs`
 *   (immediately when 0). A value not meeting `fire` cancels the pending period.
 * - breaching: a value meeting `fire` is a repeat breach → `update`. A value past `clear.threshold`
 *   (strictly: it must cross back past it), or not meeting `fire` when there is no clear threshold, starts a
 *   clear-pending period; `clear` once it has held for `clearHoldMs`. A value between the two thresholds
 *   changes nothing.
 * - an observation not newer than the last one seen is stale → `none`, state unchanged (replays after a
 *   restart are idempotent).
 */
import { AlertError } from './errors.ts';

export type Direction = 'above' | 'below';

export interface ConditionParams {
  fire: { threshold: number; direction: Direction; inclusive: boolean };
  /** Hysteresis: once breaching, the value must cross back past this to clear. Default: the fire threshold. */
  clear?: { threshold: number } | undefined;
  /** Minimum time the fire condition must hold before firing. Default 0. */
  holdMs?: number | undefined;
  /** Minimum time the clear condition must hold before clearing. Default 0. */
  clearHoldMs?: number | undefined;
}

export interface ConditionState {
  breaching: boolean;
  /** When the current breaching/not-breaching state began; null until the key first fired. */
  sinceMs: number | null;
  /** Since when the opposite condition has held without interruption; null when it does not hold. */
  pendingSinceMs: number | null;
  lastValue: number;
  lastAtMs: number;
}

export interface ConditionObservation {
  value: number;
  atMs: number;
}

export type ConditionDecision = 'fire' | 'update' | 'clear' | 'none';

export interface ConditionResult {
  decision: ConditionDecision;
  state: ConditionState;
  /** True when the observation was not newer than the last one: ignored. */
  stale: boolean;
}

/** Throws ALERT_RULE_INVALID when the parameters cannot work as documented. */
export function validateCondition(params: ConditionParams): void {
  const { fire, clear } = params;
  const bad = (msg: string) => new AlertError('ALERT_RULE_INVALID', msg);
  if (!Number.isFinite(fire.threshold)) throw bad('fire.threshold must be a finite number');
  for (const [name, ms] of [['holdMs', params.holdMs], ['clearHoldMs', params.clearHoldMs]] as const) {
    if (ms !== undefined && !(Number.isFinite(ms) && ms >= 0)) throw bad(`${name} must be ≥ 0`);
  }
  if (clear === undefined) return;
  if (!Number.isFinite(clear.threshold)) throw bad('clear.threshold must be a finite number');
  const wrongSide = fire.direction === 'above' ? clear.threshold > fire.threshold : clear.threshold < fire.threshold;
  if (wrongSide) {
    throw bad(`clear.threshold ${clear.threshold} must lie on the safe side of fire.threshold ${fire.threshold} (${fire.direction})`);
  }
}

export function meetsFire(params: ConditionParams, value: number): boolean {
  const { threshold, direction, inclusive } = params.fire;
  if (direction === 'above') return inclusive ? value >= threshold : value > threshold;
  return inclusive ? value <= threshold : value < threshold;
}

function meetsClear(params: ConditionParams, value: number): boolean {
  if (params.clear === undefined) return !meetsFire(params, value);
  return params.fire.direction === 'above' ? value < params.clear.threshold : value > params.clear.threshold;
}

export function evaluateCondition(
  params: ConditionParams,
  prev: ConditionState | undefined,
  obs: ConditionObservation,
): ConditionResult {
  if (!Number.isFinite(obs.value) || !Number.isFinite(obs.atMs)) {
    throw new AlertError('ALERT_INPUT_INVALID', `observation needs a finite value and time, got ${obs.value} at ${obs.atMs}`);
  }
  if (prev !== undefined && obs.atMs <= prev.lastAtMs) return { decision: 'none', state: prev, stale: true };

  const base: ConditionState = prev ?? { breaching: false, sinceMs: null, pendingSinceMs: null, lastValue: obs.value, lastAtMs: obs.atMs };
  const seen = { ...base, lastValue: obs.value, lastAtMs: obs.atMs };
  const held = (holdMs: number | undefined): boolean => obs.atMs - (seen.pendingSinceMs ?? obs.atMs) >= (holdMs ?? 0);

  if (!base.breaching) {
    if (!meetsFire(params, obs.value)) return { decision: 'none', state: { ...seen, pendingSinceMs: null }, stale: false };
    seen.pendingSinceMs = base.pendingSinceMs ?? obs.atMs;
    if (!held(params.holdMs)) return { decision: 'none', state: seen, stale: false };
    return { decision: 'fire', state: { ...seen, breaching: true, sinceMs: obs.atMs, pendingSinceMs: null }, stale: false };
  }

  if (meetsClear(params, obs.value)) {
    seen.pendingSinceMs = base.pendingSinceMs ?? obs.atMs;
    if (!held(params.clearHoldMs)) return { decision: 'none', state: seen, stale: false };
    return { decision: 'clear', state: { ...seen, breaching: false, sinceMs: obs.atMs, pendingSinceMs: null }, stale: false };
  }
  // Still breaching: inside the hysteresis band nothing happens; past the fire threshold it is a repeat breach.
  const decision: ConditionDecision = meetsFire(params, obs.value) ? 'update' : 'none';
  return { decision, state: { ...seen, pendingSinceMs: null }, stale: false };
}
