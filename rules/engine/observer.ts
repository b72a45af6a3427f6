/**
 * Feeds observations to the alert manager, skipping the ones that cannot change anything: a value that does not
 * meet a rule's fire condition, for a key that is neither breaching nor pending a hold, is a no-op for the condition
 * (condition.ts) and would only cost a SQLite transaction. At thousands of readings a second that is most of them.
 * The skip decision reads a per-key cache of (breaching, pending), loaded from the store on first use and refreshed
 * after every observation that reaches the manager, so it never hides a clear or a hold.
 */
import type { AlertScope } from '../../contracts/alert.ts';
import { alertKey, type AlertObservation, type AlertRule } from '../alerts/alert-rule.ts';
import type { AlertStore } from '../alerts/alert-store.ts';
import { meetsFire } from '../alerts/condition.ts';
import type { AlertManager, ObserveResult } from '../alerts/lifecycle.ts';

/**
 * What to do with a breaching value while the key already breaches (a repeat breach, `updated`):
 * `always` folds every one into the alert (readings: the count is the number of breaching readings); `changed` only
 * when the value moved (periodic re-evaluations of the same data); `never` (timer checks such as silence, whose
 * value grows by itself and whose alert is already open).
 */
export type RepeatPolicy = 'always' | 'changed' | 'never';

export interface Observer {
  /** Resolves with the manager's result, or null when the observation was skipped as a no-op. */
  observe(rule: AlertRule, obs: AlertObservation, repeat?: RepeatPolicy): Promise<ObserveResult | null>;
  /** The last value the condition of (rule, scope) saw, if any (dengue: the band before a rise). */
  lastValue(ruleId: string, scope: AlertScope): number | undefined;
  /** Is the condition of (rule, scope) breaching? */
  breaching(ruleId: string, scope: AlertScope): boolean;
  stats(): { observed: number; skipped: number };
}

interface Cached {
  breaching: boolean;
  pending: boolean;
  lastValue: number | undefined;
}

export function createObserver(manager: AlertManager, store: AlertStore, opts: { maxCached?: number } = {}): Observer {
  const maxCached = opts.maxCached ?? 200_000;
  const cache = new Map<string, Cached>();
  let observed = 0;
  let skipped = 0;

  const load = (key: string): Cached => {
    const s = store.getCondition(key);
    const c = { breaching: s?.breaching ?? false, pending: s?.pendingSinceMs != null, lastValue: s?.lastValue };
    if (cache.size >= maxCached) cache.delete(cache.keys().next().value as string);
    cache.set(key, c);
    return c;
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
      observed += 1;
      // The manager commits synchronously before it awaits the publishers, so the state can be read back now.
      const result = manager.observe(rule, obs);
      load(key);
      return result;
    },
    lastValue: (ruleId, scope) => store.getCondition(alertKey(ruleId, scope))?.lastValue,
    breaching: (ruleId, scope) => {
      const key = alertKey(ruleId, scope);
      return (cache.get(key) ?? load(key)).breaching;
    },
    stats: () => ({ observed, skipped }),
  };
}
