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

export interface Observer {
  /** Resolves with the manager's result, or null when the observation was skipped as a no-op or folded. */
  observe(rule: AlertRule, obs: AlertObservation, repeat?: RepeatPolicy): Promise<ObserveResult | null>;
  /**
   * Writes folded repeat breaches whose interval has passed (`all`: every one, at shutdown) as an `updated`
   * transition; returns how many keys were written.
   */
  flush(opts?: { all?: boolean }): Promise<number>;
  /** The last value the condition of (rule, scope) saw, if any (dengue: the band before a rise). */
  lastValue(ruleId: string, scope: AlertScope): number | undefined;
  /** Is the condition of (rule, scope) breaching? */
  breaching(ruleId: string, scope: AlertScope): boolean;
  stats(): { observed: number; skipped: number; folded: number };
}

interface Fold {
  rule: AlertRule;
  /** The latest folded observation: a flush passes it on, with the others as `FoldedRepeats`. */
  obs: AlertObservation;
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

  const foldsOf = (f: Fold, withLatest: boolean): FoldedRepeats | undefined => {
    const count = withLatest ? f.count : f.count - 1;
    return count > 0 ? { count, lastValue: f.obs.value, lastSeenAtMs: f.seenAtMs } : undefined;
  };

  return {
    observe(rule, obs, repeat = 'always') {
      const key = alertKey(rule.id, obs.scope);
      const c = cache.get(key) ?? load(key);
      const fires = meetsFire(rule.condition, obs.value);
      const noop =
        (!c.breaching && !c.pending && !fires) ||
        (c.breaching && fires && (repeat === 'never' || (repeat === 'changed' && c.lastValue === obs.value)));
      if (noop) {
        skipped += 1;
        return Promise.resolve(null);
      }
      if (c.breaching && fires && repeat === 'always' && foldMs > 0) {
        if (obs.atMs <= c.lastAtMs) {
          // Not newer than what the condition has seen: stale for it too (condition.ts).
          skipped += 1;
          return Promise.resolve(null);
        }
        const now = clock();
        if (now - c.writtenAtMs < foldMs && severityRank(severityOf(rule, obs.value)) <= c.severityRank && store.hasUnresolved(key)) {
          folded += 1;
          c.folds = { rule, obs, count: (c.folds?.count ?? 0) + 1, seenAtMs: now };
          c.lastAtMs = obs.atMs;
          c.lastValue = obs.value;
          folding.add(key);
          return Promise.resolve(null);
        }
      }
      return pass(key, c, rule, obs, c.folds && foldsOf(c.folds, true));
    },

    async flush({ all = false } = {}) {
      const now = clock();
      const due: Promise<ObserveResult>[] = [];
      for (const key of [...folding]) {
        const c = cache.get(key)!;
        const f = c.folds!;
        if (!all && now - c.writtenAtMs < foldMs) continue;
        due.push(pass(key, c, f.rule, f.obs, foldsOf(f, false), f.seenAtMs)); // lastSeenAt: when it was seen, not now
      }
      await Promise.all(due);
      return due.length;
    },

    lastValue: (ruleId, scope) => {
      const key = alertKey(ruleId, scope);
      const c = cache.get(key);
      return c?.folds !== undefined ? c.lastValue : store.getCondition(key)?.lastValue;
    },
    breaching: (ruleId, scope) => {
      const key = alertKey(ruleId, scope);
      return (cache.get(key) ?? load(key)).breaching;
    },
    stats: () => ({ observed, skipped, folded }),
  };
}
