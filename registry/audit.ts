/**
 * The audit log: every mutation (who, what, when, before/after), append-only and hash-chained, so "when did you
 * know" disputes between a contractor and the health office can be settled from the record (peers.md §3 item 6).
 *
 * Each entry's hash is SHA-256 over the previous entry's hash and the entry itself in canonical JSON (keys sorted),
 * so editing, deleting or reordering any entry breaks every hash after it; `verify()` walks the chain. Triggers
 * refuse UPDATE and DELETE, which stops mistakes; the chain detects deliberate tampering by someone who bypasses
 * them. (Anchoring the latest hash outside the database, e.g. in a signed monthly report, makes truncation of the
 * tail detectable too.)
 */
import { createHash } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { AuditEntry, AuditVerification } from '../contracts/api/audit.ts';
import { transaction } from '../platform/sqlite.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  actor: string;
  actorRole: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  districtId?: string | null | undefined;
  siteId?: string | null | undefined;
  before?: unknown;
  after?: unknown;
}

export interface AuditFilter {
  /** Entries in these districts only (a health office's scope); entries without a district are left out. */
  districtIds?: readonly string[] | undefined;
  action?: string | undefined;
  actor?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  /** Page backwards: entries with a smaller seq. */
  beforeSeq?: number | undefined;
  /** Default 100, at most 1000; newest first. */
  limit?: number | undefined;
}

export interface AuditLog {
  append(entry: AuditInput, nowMs: number): AuditEntry;
  list(filter?: AuditFilter): AuditEntry[];
  verify(): AuditVerification;
}

/** JSON with object keys sorted at every level, so the same value always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

interface Row {
  seq: number; at: string; actor: string; actor_role: string | null; action: string; target_type: string; target_id: string | null;
  district_id: string | null; site_id: string | null; before_json: string; after_json: string; prev_hash: string; hash: string;
}

/** What is hashed: every column but the hash itself, with before/after as their stored canonical text. */
function entryHash(r: Omit<Row, 'hash'>): string {
  const body = canonicalJson({
    seq: r.seq, at: r.at, actor: r.actor, actorRole: r.actor_role, action: r.action, targetType: r.target_type,
    targetId: r.target_id, districtId: r.district_id, siteId: r.site_id, before: r.before_json, after: r.after_json,
  });
  return createHash('sha256').update(r.prev_hash, 'utf8').update('\n').update(body, 'utf8').digest('hex');
}

const toEntry = (r: Row): AuditEntry => ({
  seq: r.seq, at: r.at, actor: r.actor, actorRole: r.actor_role, action: r.action, targetType: r.target_type, targetId: r.target_id,
  districtId: r.district_id, siteId: r.site_id, before: JSON.parse(r.before_json) as unknown, after: JSON.parse(r.after_json) as unknown,
  prevHash: r.prev_hash, hash: r.hash,
});

export function openAuditLog(db: DatabaseSync): AuditLog {
  db.exec(`
    CREATE TABLE IF NOT EXISTS audit_log (
      seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, actor_role TEXT, action TEXT NOT NULL,
      target_type TEXT NOT NULL, target_id TEXT, district_id TEXT, site_id TEXT, before_json TEXT NOT NULL,
      after_json TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL) STRICT;
    CREATE INDEX IF NOT EXISTS audit_by_district ON audit_log (district_id, seq);
    CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  `);
  const q = {
    last: db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1'),
    insert: db.prepare(`INSERT INTO audit_log (seq, at, actor, actor_role, action, target_type, target_id, district_id, site_id,
      before_json, after_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    all: db.prepare('SELECT * FROM audit_log ORDER BY seq'),
  };
  const atomically = <T>(fn: () => T): T => (db.isTransaction ? fn() : transaction(db, fn));

  return {
    append(e, nowMs) {
      return atomically(() => {
        const last = q.last.get() as { seq: number; hash: string } | undefined;
        const row: Omit<Row, 'hash'> = {
          seq: (last?.seq ?? 0) + 1, at: new Date(nowMs).toISOString(), actor: e.actor, actor_role: e.actorRole, action: e.action,
          target_type: e.targetType, target_id: e.targetId, district_id: e.districtId ?? null, site_id: e.siteId ?? null,
          before_json: canonicalJson(e.before ?? null), after_json: canonicalJson(e.after ?? null), prev_hash: last?.hash ?? GENESIS_HASH,
        };
        const full: Row = { ...row, hash: entryHash(row) };
        q.insert.run(full.seq, full.at, full.actor, full.actor_role, full.action, full.target_type, full.target_id, full.district_id,
          full.site_id, full.before_json, full.after_json, full.prev_hash, full.hash);
        return toEntry(full);
      });
    },
    list(f = {}) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      const eq = (col: string, v: string | number | undefined, op = '=') => {
        if (v === undefined) return;
        where.push(`${col} ${op} ?`);
        args.push(v);
      };
      eq('action', f.action);
      eq('actor', f.actor);
      eq('target_type', f.targetType);
      eq('target_id', f.targetId);
      eq('seq', f.beforeSeq, '<');
      if (f.districtIds) {
        where.push(f.districtIds.length ? `district_id IN (${f.districtIds.map(() => '?').join(', ')})` : '0');
        args.push(...f.districtIds);
      }
      args.push(Math.max(1, Math.min(1000, Math.trunc(f.limit ?? 100))));
      const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
      return (db.prepare(sql).all(...args) as unknown as Row[]).map(toEntry);
    },
    verify() {
      let prev = GENESIS_HASH;
      let expectedSeq = 1;
      let n = 0;
      for (const r of q.all.iterate() as IterableIterator<Row>) {
        n++;
        const reason =
          r.seq !== expectedSeq ? `entry ${expectedSeq} is missing`
          : r.prev_hash !== prev ? 'prevHash does not match the previous entry'
          : entryHash(r) !== r.hash ? 'hash does not match the entry'
          : null;
        if (reason) return { ok: false, entries: n, brokenAtSeq: r.seq, reason };
        prev = r.hash;
        expectedSeq++;
      }
      return { ok: true, entries: n, lastHash: prev };
    },
  };
}
