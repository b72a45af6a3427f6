/**
 * Persistence of the anti-flap state per rule key (condition.ts) in `alert_conditions`, so a restarted engine
 * resumes hold periods and hysteresis where it stopped instead of re-firing (issue 3, "Durable").
 */
import type { DatabaseSync } from '../../platform/sqlite.ts';
import type { ConditionState } from './condition.ts';

export interface ConditionStateStore {
  getCondition(key: string): ConditionState | undefined;
  putCondition(key: string, state: ConditionState): void;
  deleteCondition(key: string): void;
}

/** Expects the tables of alert-store-schema.ts. */
export function createConditionStateStore(db: DatabaseSync): ConditionStateStore {
  const get = db.prepare('SELECT * FROM alert_conditions WHERE key = ?');
  const put = db.prepare(`INSERT INTO alert_conditions (key, breaching, since_ms, pending_since_ms, last_value, last_at_ms)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET breaching = excluded.breaching, since_ms = excluded.since_ms,
    pending_since_ms = excluded.pending_since_ms, last_value = excluded.last_value, last_at_ms = excluded.last_at_ms`);
  const del = db.prepare('DELETE FROM alert_conditions WHERE key = ?');
  const ms = (v: unknown): number | null => (v === null ? null : Number(v));

  return {
    getCondition(key) {
      const row = get.get(key) as Record<string, unknown> | undefined;
      if (row === undefined) return undefined;
      return {
        breaching: row.breaching === 1, sinceMs: ms(row.since_ms), pendingSinceMs: ms(row.pending_since_ms),
        lastValue: Number(row.last_value), lastAtMs: Number(row.last_at_ms),
      };
    },
    putCondition(key, s) {
      put.run(key, s.breaching ? 1 : 0, s.sinceMs, s.pendingSinceMs, s.lastValue, s.lastAtMs);
    },
    deleteCondition(key) {
      del.run(key);
    },
  };
}
