/**
 * Tables of the alert store in the metadata database (SQLite). Idempotent: run at every start.
 * - `alerts`: one row per alert; the record itself is JSON in `data` (contracts/alert.ts), with the columns
 *   that queries filter on copied out. A partial unique index keeps at most one unresolved alert per key, so even
 *   two engines racing cannot open a duplicate (issue 3: "one open alert per (rule, scope) key").
 * - `alert_events`: append-only transitions (triggers refuse DELETE and edits), with the alert as it stood, and
 *   when the event was handed to the publishers: undispatched events are redelivered after a crash.
 * - `alert_conditions`: the anti-flap state per key (condition.ts), so evaluation resumes after a restart.
 */
import type { DatabaseSync } from '../../platform/sqlite.ts';

export function migrateAlertStore(db: DatabaseSync): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS alerts (
      id TEXT PRIMARY KEY,
      key TEXT NOT NULL,
      rule_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      severity TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
      district_id TEXT NOT NULL,
      site_id TEXT,
      opened_at_ms INTEGER NOT NULL,
      escalation_level INTEGER NOT NULL DEFAULT 0,
      data TEXT NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_unresolved_per_key ON alerts (key) WHERE state != 'resolved';
    CREATE INDEX IF NOT EXISTS alerts_by_state ON alerts (state, district_id, opened_at_ms);

    CREATE TABLE IF NOT EXISTS alert_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      alert_id TEXT NOT NULL REFERENCES alerts (id),
      transition TEXT NOT NULL CHECK (transition IN ('opened', 'updated', 'escalated', 'acknowledged', 'resolved', 'commented')),
      at_ms INTEGER NOT NULL,
      actor TEXT NOT NULL,
      note TEXT,
      alert TEXT NOT NULL,
      dispatched_at_ms INTEGER
    ) STRICT;
    CREATE INDEX IF NOT EXISTS alert_events_by_alert ON alert_events (alert_id, id);
    CREATE INDEX IF NOT EXISTS alert_events_undispatched ON alert_events (id) WHERE dispatched_at_ms IS NULL;
    CREATE TRIGGER IF NOT EXISTS alert_events_no_delete BEFORE DELETE ON alert_events
      BEGIN SELECT RAISE(ABORT, 'alert_events is append-only'); END;
    CREATE TRIGGER IF NOT EXISTS alert_events_no_edit BEFORE UPDATE OF id, alert_id, transition, at_ms, actor, note, alert ON alert_events
      BEGIN SELECT RAISE(ABORT, 'alert_events is append-only'); END;

    CREATE TABLE IF NOT EXISTS alert_conditions (
      key TEXT PRIMARY KEY,
      breaching INTEGER NOT NULL,
      since_ms INTEGER,
      pending_since_ms INTEGER,
      last_value REAL NOT NULL,
      last_at_ms INTEGER NOT NULL
    ) STRICT;
  `);
}
