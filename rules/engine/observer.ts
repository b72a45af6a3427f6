/**
 * Feeds observations to the alert manager, skipping the ones that cannot change anything and folding the ones that
 * would only repeat what the alert already says:
 * - A value that does not meet a rule's fire condition, for a key that is neither breaching nor pending a hold, is a
 *   no-op for the condition (condition.ts) and would only cost a SQLite transaction. At thousands of readings a
 *   second that is most of them.
 * - A repeat breach of an open alert (`updated`) is written at most once per `foldRepeatsMs` per key (issue 7:
 *   one transaction, event and publish per breaching reading was ~16 % of the stack's CPU; and an `updated` event
 *   a second per device is noise, peers.md §2.7). The breaches in between are counted in memory and added to the
 *   alert (`count`, `lastValue`, `lastSeenAt`) with the next observation that reaches the manager: the next write
 *   after the interval, a clear, or `flush()` (the engine's tick and shutdown). A breach of higher severity is never
 *   folded. A crash loses the count of at most one interval's folded repeats, never an alert or a transition.
 * The skip decision reads a per-key cache of (breaching, pending), loaded from the store on first use and refreshed
 * after every observation that reaches the manager, so it never hides a clear or a hold.
 */
import type { AlertScope } from '../../contracts/alert.ts';
import { alertKey, severityOf, type AlertObservation, type AlertRule } from '../alerts/alert-rule.ts';
import type { AlertStore, FoldedRepeats } from '../alerts/alert-store.ts';
import { meetsFire } from '../alerts/condition.ts';
import type { AlertManager, ObserveResult } from '../alerts/lifecycle.ts';
import { severityRank } from '../alerts/severity.ts';

/**
 * What to do with a breaching value while the key already breaches (a repeat breach, `updated`):
 * `always` counts every one into the alert (readings: the count is the number of breaching readings), written at
 * most once per `foldRepeatsMs`; `changed` only when the value moved (periodic re-evaluations of the same data);
 * `never` (timer checks such as silence, whose value grows by itself and whose alert is already open).
 */
export type RepeatPolicy = 'always' | 'changed' | 'never';

export interface ObserverOptions {
  maxCached?: number;
  /** Repeat breaches of an open alert are written at most this often per key; 0 writes every one. Default 0. */
  foldRepeatsMs?: number;
  /** The engine's clock (epoch ms), the one the alert manager stamps alerts with. */
  clock?: () => number;
}

/** The fields of a device observation besides its value and time; device-monitor.ts keeps one per device. */
export type ObservationBase = Pick<AlertObservation, 'scope' | 'districtId' | 'siteId' | 'deviceId' | 'place'>;

/** A device observation: one object literal, the fields in the order device-monitor.ts has always built them. */
export const observationOf = (base: ObservationBase, atMs: number, value: number): AlertObservation => ({
  atMs, scope: base.scope, districtId: base.districtId, siteId: base.siteId, deviceId: base.deviceId, place: base.place, value,
});

export interface Observer {
  /** Resolves with the manager's result, or null when the observation was skipped as a no-op or folded. */
  observe(rule: AlertRule, obs: AlertObservation, repeat?: RepeatPolicy): Promise<ObserveResult | null>;
  /**
   * `observe` for the device rules' hot path (a few calls per reading, nearly all skipped or folded): `key` is
   * `alertKey(rule.id, base.scope)`, kept by the caller, and the observation (`observationOf(base, atMs, value)`) is
   * built only when it is passed to the manager or folded. Returns null instead of a promise when skipped or folded.
   */
  observeKeyed(key: string, rule: AlertRule, base: ObservationBase, atMs: number, value: number, repeat?: RepeatPolicy): Promise<ObserveResult> | null;
  /**
   * Writes folded repeat breaches whose interval has passed (`all`: every one, at shutdown) as an `updated`
   * transition; returns how many keys were written.
   */
  flush(opts?: { all?: boolean }): Promise<number>;
  /** The last value the condition of (rule, scope) saw, if any (dengue: the band before a rise). */
  lastValue(ruleId: string, scope: AlertScope): number | undefined;
  /** Is the condition of (rule, scope) breaching? */
  breaching(ruleId: string, scope: AlertScope): boolean;
  /** `breaching` by the key, `alertKey(ruleId, scope)`. */
  breachingKeyed(key: string): boolean;
  stats(): { observed: number; skipped: number; folded: number };
}

/** Updated in place by every repeat folded into it (no objects per folded reading). */
interface Fold {
  rule: AlertRule;
  /**
   * The latest folded observation, as given to `observe`, or undefined when it is built from `base`, `atMs` and
   * `value` (observeKeyed): a flush passes it on, with the others as `FoldedRepeats`.
   */
  obs: AlertObservation | undefined;
  base: ObservationBase;
  atMs: number;
  value: number;
  count: number;
  seenAtMs: number;
}

interface Cached {
  breaching: boolean;
  pending: boolean;
  lastValue: number | undefined;
  /** Observation time of the newest observation seen (written or folded): older ones are stale. */
  lastAtMs: number;
  /** Rank of the highest severity written to the open alert since this entry was loaded; -1: unknown. */
  severityRank: number;
  /** Engine time of the last observation passed to the manager; -Infinity: none since loading. */
  writtenAtMs: number;
  folds: Fold | undefined;
}

/** What `observe` resolves with for a skipped or folded observation (a settled promise can be shared). */
const NOTHING: Promise<null> = Promise.resolve(null);

export function createObserver(manager: AlertManager, store: AlertStore, opts: ObserverOptions = {}): Observer {
  const maxCached = opts.maxCached ?? 200_000;
  const foldMs = opts.foldRepeatsMs ?? 0;
  const clock = opts.clock ?? Date.now;
  const cache = new Map<string, Cached>();
  /** Keys with folds waiting (a subset of the cache, never evicted). */
  const folding = new Set<string>();
  let observed = 0;
  let skipped = 0;
  let folded = 0;

  /** Reads the condition state into the key's entry (created, evicting the oldest entry without folds, if new). */
  const load = (key: string): Cached => {
    const s = store.getCondition(key);
    const existing = cache.get(key);
    const fresh = { breaching: s?.breaching ?? false, pending: s?.pendingSinceMs != null, lastValue: s?.lastValue, lastAtMs: s?.lastAtMs ?? -Infinity };
    if (existing !== undefined) return Object.assign(existing, fresh);
    if (cache.size >= maxCached) {
      for (const victim of cache.keys()) {
        if (folding.has(victim)) continue;
        cache.delete(victim);
        break;
      }
    }
    const c: Cached = { ...fresh, severityRank: -1, writtenAtMs: -Infinity, folds: undefined };
    cache.set(key, c);
    return c;
  };

  /** Hands one observation (and the key's folds) to the manager and refreshes the key's entry from the store. */
  function pass(key: string, c: Cached, rule: AlertRule, obs: AlertObservation, folds: FoldedRepeats | undefined, seenAtMs?: number): Promise<ObserveResult> {
    observed += 1;
    c.folds = undefined;
    folding.delete(key);
    // The manager commits synchronously before it awaits the publishers, so the state can be read back now.
    const result = manager.observe(rule, obs, folds, seenAtMs);
    const wasBreaching = c.breaching;
    load(key);
    c.writtenAtMs = clock();
    const rank = meetsFire(rule.condition, obs.value) ? severityRank(severityOf(rule, obs.value)) : -1;
    c.severityRank = c.breaching ? Math.max(wasBreaching ? c.severityRank : -1, rank) : -1;
    return result;
  }

  const breachingKeyed = (key: string): boolean => (cache.get(key) ?? load(key)).breaching;

  const foldsOf = (f: Fold, withLatest: boolean): FoldedRepeats | undefined => {
    const count = withLatest ? f.count : f.count - 1;
    return count > 0 ? { count, lastValue: f.value, lastSeenAtMs: f.seenAtMs } : undefined;
  };
  const latestOf = (f: Fold): AlertObservation => f.obs ?? observationOf(f.base, f.atMs, f.value);

  /**
   * One observation of `key`: `obs` if the caller has it, else built from `base` when needed. Returns null when it
   * was skipped or folded.
   */
  function observeAt(
    key: string, rule: AlertRule, base: ObservationBase, atMs: number, value: number, repeat: RepeatPolicy, obs: AlertObservation | undefined,
  ): Promise<ObserveResult> | null {
    const c = cache.get(key) ?? load(key);
    const fires = meetsFire(rule.condition, value);
    const noop =
      (!c.breaching && !c.pending && !fires) ||
      (c.breaching && fires && (repeat === 'never' || (repeat === 'changed' && c.lastValue === value)));
    if (noop) {
      skipped += 1;
      return null;
    }
    if (c.breaching && fires && repeat === 'always' && foldMs > 0) {
      if (atMs <= c.lastAtMs) {
        // Not newer than what the condition has seen: stale for it too (condition.ts).
        skipped += 1;
        return null;
      }
      const now = clock();
      if (now - c.writtenAtMs < foldMs && severityRank(severityOf(rule, value)) <= c.severityRank && store.hasUnresolved(key)) {
        folded += 1;
        const f = c.folds;
        if (f === undefined) {
          c.folds = { rule, obs, base, atMs, value, count: 1, seenAtMs: now };
        } else {
          f.rule = rule;
          f.obs = obs;
          f.base = base;
          f.atMs = atMs;
          f.value = value;
          f.count += 1;
          f.seenAtMs = now;
        }
        c.lastAtMs = atMs;
        c.lastValue = value;
        folding.add(key);
        return null;
      }
    }
    return pass(key, c, rule, obs ?? observationOf(base, atMs, value), c.folds && foldsOf(c.folds, true));
  }

  return {
    observe(rule, obs, repeat = 'always') {
      return observeAt(alertKey(rule.id, obs.scope), rule, obs, obs.atMs, obs.value, repeat, obs) ?? NOTHING;
    },

    observeKeyed: (key, rule, base, atMs, value, repeat = 'always') => observeAt(key, rule, base, atMs, value, repeat, undefined),

    async flush({ all = false } = {}) {
      const now = clock();
      const due: Promise<ObserveResult>[] = [];
      for (const key of [...folding]) {
        const c = cache.get(key)!;
        const f = c.folds!;
        if (!all && now - c.writtenAtMs < foldMs) continue;
        due.push(pass(key, c, f.rule, latestOf(f), foldsOf(f, false), f.seenAtMs)); // lastSeenAt: when it was seen, not now
      }
      await Promise.all(due);
      return due.length;
    },

    lastValue: (ruleId, scope) => {
      const key = alertKey(ruleId, scope);
      const c = cache.get(key);
      return c?.folds !== undefined ? c.lastValue : store.getCondition(key)?.lastValue;
    },
    breaching: (ruleId, scope) => breachingKeyed(alertKey(ruleId, scope)),
    breachingKeyed,
    stats: () => ({ observed, skipped, folded }),
  };
}
