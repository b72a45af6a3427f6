/**
 * Durable alert state in the metadata database (node:sqlite, injected). Every state change appends one event
 * in the same transaction, so the events are a complete history and the publishers' outbox at once.
 * Times come in as epoch ms from the caller's clock; the store never reads a clock.
 */
import { randomUUID } from 'node:crypto';
import {
  ALERT_CONTRACT_VERSION, AlertSchema,
  type Alert, type AlertEvent, type AlertKind, type AlertScope, type AlertState, type AlertTransition, type LocalizedText, type Severity,
} from '../../contracts/alert.ts';
import { transaction, type DatabaseSync } from '../../platform/sqlite.ts';
import { migrateAlertStore } from './alert-store-schema.ts';
import { createConditionStateStore, type ConditionStateStore } from './condition-state-store.ts';
import { AlertError } from './errors.ts';
import { escalationDelayMs, type EscalationPolicy } from './escalation.ts';
import { maxSeverity } from './severity.ts';

/** The actor recorded when the rules engine itself changes an alert. */
export const SYSTEM_ACTOR = 'system';

/** One breaching observation, fully described: opens an alert for `key` or updates the unresolved one. */
export interface AlertBreach {
  key: string;
  ruleId: string;
  kind: AlertKind;
  severity: Severity;
  districtId: string;
  siteId?: string | undefined;
  deviceId?: string | undefined;
  scope: AlertScope;
  period?: string | undefined;
  indicator?: string | undefined;
  value: number;
  limit: number;
  unit: string;
  standard: string;
  text: LocalizedText;
  atMs: number;
}

/** Repeat breaches of an open alert that were counted but not written one by one. */
export interface FoldedRepeats {
  count: number;
  lastValue: number;
  /** When the engine saw the latest of them (its clock, like every alert time), epoch ms. */
  lastSeenAtMs: number;
}

export interface AlertChange {
  alert: Alert;
  event: AlertEvent;
}

export interface AlertListFilter {
  state?: AlertState | undefined;
  districtId?: string | undefined;
  kind?: AlertKind | undefined;
  siteId?: string | undefined;
  /** Default 100, at most 1000; newest first. */
  limit?: number | undefined;
}

export interface ResolveOptions {
  /** A person resolving (true) or the engine because the condition cleared (false). */
  manual: boolean;
  correctiveAction?: string | undefined;
}

export interface AlertStoreOptions {
  newId?: () => string;
  /** Kinds a person may resolve only with a corrective-action record (peers.md §3 item 5). Default density. */
  correctiveActionKinds?: readonly AlertKind[];
}

export interface AlertStore extends ConditionStateStore {
  /** Runs fn atomically; nests inside an outer transaction of the same store. */
  atomically<T>(fn: () => T): T;
  openOrUpdate(breach: AlertBreach): AlertChange & { created: boolean };
  acknowledge(id: string, who: string, note: string | undefined, atMs: number): AlertChange;
  resolve(id: string, who: string, note: string | undefined, atMs: number, opts: ResolveOptions): AlertChange;
  comment(id: string, who: string, text: string, atMs: number): AlertEvent;
  get(id: string): Alert | undefined;
  /** The open or acknowledged alert of a key, if any. */
  getUnresolved(key: string): Alert | undefined;
  /** Is there an open or acknowledged alert for the key? (An index lookup: no JSON parsed.) */
  hasUnresolved(key: string): boolean;
  /**
   * Counts repeat breaches that were folded rather than written one by one (rules/engine/observer.ts) into the
   * unresolved alert of the key, in place and without an event: `count`, `lastValue`, `lastSeenAt`. The next event
   * of the alert carries them. Undefined when the key has no unresolved alert (then they are dropped).
   */
  foldRepeats(key: string, repeats: FoldedRepeats): Alert | undefined;
  list(filter?: AlertListFilter): Alert[];
  events(alertId: string): AlertEvent[];
  /** Open (unacknowledged) alerts whose next escalation level is due at nowMs. */
  dueForEscalation(nowMs: number, policy: EscalationPolicy): { alert: Alert; level: number }[];
  /** Raises the level to `level` if it is still open at `level - 1`; null when someone got there first. */
  markEscalated(id: string, level: number, atMs: number): AlertChange | null;
  /** Events not yet handed to every publisher, oldest first, with ids above `afterEventId`. */
  undispatched(afterEventId?: number, limit?: number): AlertEvent[];
  markDispatched(eventId: number, atMs: number): void;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function checkActor(who: string): string {
  const trimmed = who.trim();
  if (trimmed.length === 0 || trimmed.length > 200) throw new AlertError('ALERT_INPUT_INVALID', 'actor must be 1–200 characters');
  return trimmed;
}

function checkNote(note: string | undefined, what: string): string | undefined {
  if (note === undefined || note.trim() === '') return undefined;
  if (note.length > 4000) throw new AlertError('ALERT_INPUT_INVALID', `${what} must be at most 4000 characters`);
  return note.trim();
}

type Row = Record<string, unknown>;

export function createAlertStore(db: DatabaseSync, opts: AlertStoreOptions = {}): AlertStore {
  migrateAlertStore(db);
  const newId = opts.newId ?? randomUUID;
  const correctiveActionKinds = new Set<AlertKind>(opts.correctiveActionKinds ?? ['density']);
  const conditions = createConditionStateStore(db);

  const q = {
    insert: db.prepare(`INSERT INTO alerts (id, key, rule_id, kind, severity, state, district_id, site_id, opened_at_ms, escalation_level, data)
      VALUES (:id, :key, :rule_id, :kind, :severity, :state, :district_id, :site_id, :opened_at_ms, :escalation_level, :data)`),
    update: db.prepare('UPDATE alerts SET severity = :severity, state = :state, escalation_level = :escalation_level, data = :data WHERE id = :id'),
    get: db.prepare('SELECT data FROM alerts WHERE id = ?'),
    unresolved: db.prepare("SELECT data FROM alerts WHERE key = ? AND state != 'resolved'"),
    hasUnresolved: db.prepare("SELECT 1 AS x FROM alerts WHERE key = ? AND state != 'resolved'"),
    open: db.prepare("SELECT data FROM alerts WHERE state = 'open' AND escalation_level < ? ORDER BY opened_at_ms, id"),
    event: db.prepare('INSERT INTO alert_events (alert_id, transition, at_ms, actor, note, alert) VALUES (?, ?, ?, ?, ?, ?)'),
    events: db.prepare('SELECT * FROM alert_events WHERE alert_id = ? ORDER BY id'),
    undispatched: db.prepare('SELECT * FROM alert_events WHERE dispatched_at_ms IS NULL AND id > ? ORDER BY id LIMIT ?'),
    dispatched: db.prepare('UPDATE alert_events SET dispatched_at_ms = ? WHERE id = ? AND dispatched_at_ms IS NULL'),
  };

  const parse = (row: Row | undefined): Alert | undefined => (row === undefined ? undefined : AlertSchema.parse(JSON.parse(String(row.data))));
  const toEvent = (row: Row): AlertEvent => ({
    version: ALERT_CONTRACT_VERSION,
    eventId: Number(row.id),
    transition: row.transition as AlertTransition,
    at: iso(Number(row.at_ms)),
    actor: String(row.actor),
    note: row.note === null ? null : String(row.note),
    alert: AlertSchema.parse(JSON.parse(String(row.alert))),
  });

  const atomically = <T>(fn: () => T): T => (db.isTransaction ? fn() : transaction(db, fn));

  function save(alert: Alert): void {
    q.update.run({ id: alert.id, severity: alert.severity, state: alert.state, escalation_level: alert.escalationLevel, data: JSON.stringify(alert) });
  }

  function append(alert: Alert, transition: AlertTransition, atMs: number, actor: string, note: string | undefined): AlertEvent {
    const snapshot = JSON.stringify(alert);
    const { lastInsertRowid } = q.event.run(alert.id, transition, atMs, actor, note ?? null, snapshot);
    return { version: ALERT_CONTRACT_VERSION, eventId: Number(lastInsertRowid), transition, at: iso(atMs), actor, note: note ?? null, alert };
  }

  function mustGet(id: string): Alert {
    const alert = parse(q.get.get(id) as Row | undefined);
    if (alert === undefined) throw new AlertError('ALERT_NOT_FOUND', `no alert '${id}'`);
    return alert;
  }

  function mustBeUnresolved(alert: Alert): void {
    if (alert.state === 'resolved') throw new AlertError('ALERT_ALREADY_RESOLVED', `alert '${alert.id}' was resolved at ${alert.resolvedAt}`);
  }

  return {
    atomically,

    openOrUpdate(b) {
      return atomically(() => {
        const current = parse(q.unresolved.get(b.key) as Row | undefined);
        if (current !== undefined) {
          const alert: Alert = {
            ...current,
            severity: maxSeverity(current.severity, b.severity),
            text: b.text,
            lastSeenAt: iso(b.atMs),
            lastValue: b.value,
            count: current.count + 1,
          };
          save(alert);
          return { alert, event: append(alert, 'updated', b.atMs, SYSTEM_ACTOR, undefined), created: false };
        }
        const alert: Alert = AlertSchema.parse({
          id: newId(), key: b.key, ruleId: b.ruleId, kind: b.kind, severity: b.severity, state: 'open',
          districtId: b.districtId, siteId: b.siteId, deviceId: b.deviceId, scope: b.scope, period: b.period, indicator: b.indicator,
          value: b.value, limit: b.limit, unit: b.unit, standard: b.standard, text: b.text,
          openedAt: iso(b.atMs), lastSeenAt: iso(b.atMs), count: 1, lastValue: b.value, escalationLevel: 0, resolution: null,
        });
        q.insert.run({
          id: alert.id, key: alert.key, rule_id: alert.ruleId, kind: alert.kind, severity: alert.severity, state: alert.state,
          district_id: alert.districtId, site_id: alert.siteId ?? null, opened_at_ms: b.atMs, escalation_level: 0, data: JSON.stringify(alert),
        });
        return { alert, event: append(alert, 'opened', b.atMs, SYSTEM_ACTOR, undefined), created: true };
      });
    },

    acknowledge(id, who, note, atMs) {
      const actor = checkActor(who);
      const text = checkNote(note, 'note');
      return atomically(() => {
        const current = mustGet(id);
        mustBeUnresolved(current);
        if (current.state === 'acknowledged') {
          throw new AlertError('ALERT_ALREADY_ACKNOWLEDGED', `alert '${id}' was acknowledged by ${current.acknowledgedBy}`);
        }
        const alert: Alert = { ...current, state: 'acknowledged', acknowledgedBy: actor, acknowledgedAt: iso(atMs), ...(text ? { acknowledgedNote: text } : {}) };
        save(alert);
        return { alert, event: append(alert, 'acknowledged', atMs, actor, text) };
      });
    },

    resolve(id, who, note, atMs, { manual, correctiveAction }) {
      const actor = checkActor(who);
      const text = checkNote(note, 'note');
      const action = checkNote(correctiveAction, 'correctiveAction');
      return atomically(() => {
        const current = mustGet(id);
        mustBeUnresolved(current);
        if (manual && action === undefined && correctiveActionKinds.has(current.kind)) {
          throw new AlertError('CORRECTIVE_ACTION_REQUIRED', `resolving ${current.kind} alert '${id}' by hand needs a corrective-action note`);
        }
        const alert: Alert = {
          ...current, state: 'resolved', resolvedBy: actor, resolvedAt: iso(atMs), resolution: manual ? 'manual' : 'auto',
          ...(text ? { resolvedNote: text } : {}), ...(action ? { correctiveAction: action } : {}),
        };
        save(alert);
        return { alert, event: append(alert, 'resolved', atMs, actor, text) };
      });
    },

    comment(id, who, text, atMs) {
      const actor = checkActor(who);
      const body = checkNote(text, 'comment');
      if (body === undefined) throw new AlertError('ALERT_INPUT_INVALID', 'a comment needs text');
      return atomically(() => append(mustGet(id), 'commented', atMs, actor, body));
    },

    get: (id) => parse(q.get.get(id) as Row | undefined),
    getUnresolved: (key) => parse(q.unresolved.get(key) as Row | undefined),
    hasUnresolved: (key) => q.hasUnresolved.get(key) !== undefined,

    foldRepeats(key, { count, lastValue, lastSeenAtMs }) {
      if (!(Number.isSafeInteger(count) && count > 0)) throw new AlertError('ALERT_INPUT_INVALID', `folded repeats must be a positive count, got ${count}`);
      return atomically(() => {
        const current = parse(q.unresolved.get(key) as Row | undefined);
        if (current === undefined) return undefined;
        const later = lastSeenAtMs >= Date.parse(current.lastSeenAt);
        const alert: Alert = {
          ...current,
          count: current.count + count,
          ...(later ? { lastValue, lastSeenAt: iso(lastSeenAtMs) } : {}),
        };
        save(alert);
        return alert;
      });
    },

    list(filter = {}) {
      const where: string[] = [];
      const params: Record<string, string | number> = {};
      for (const [column, value] of [['state', filter.state], ['district_id', filter.districtId], ['kind', filter.kind], ['site_id', filter.siteId]] as const) {
        if (value === undefined) continue;
        where.push(`${column} = :${column}`);
        params[column] = value;
      }
      params.limit = Math.max(1, Math.min(1000, Math.trunc(filter.limit ?? 100)));
      const sql = `SELECT data FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_at_ms DESC, id LIMIT :limit`;
      return (db.prepare(sql).all(params) as Row[]).map((r) => parse(r) as Alert);
    },

    events: (alertId) => (q.events.all(alertId) as Row[]).map(toEvent),

    dueForEscalation(nowMs, policy) {
      const due: { alert: Alert; level: number }[] = [];
      for (const row of q.open.all(policy.maxLevel) as Row[]) {
        const alert = parse(row) as Alert;
        const delay = escalationDelayMs(policy, alert.severity);
        if (delay === null) continue;
        const level = alert.escalationLevel + 1;
        if (Date.parse(alert.openedAt) + level * delay <= nowMs) due.push({ alert, level });
      }
      return due;
    },

    markEscalated(id, level, atMs) {
      return atomically(() => {
        const current = mustGet(id);
        if (current.state !== 'open' || current.escalationLevel !== level - 1) return null;
        const alert: Alert = { ...current, escalationLevel: level, escalatedAt: iso(atMs) };
        save(alert);
        return { alert, event: append(alert, 'escalated', atMs, SYSTEM_ACTOR, `escalation level ${level}`) };
      });
    },

    ...conditions,

    undispatched: (afterEventId = 0, limit = 1000) => (q.undispatched.all(afterEventId, limit) as Row[]).map(toEvent),
    markDispatched(eventId, atMs) {
      q.dispatched.run(atMs, eventId);
    },
  };
}
