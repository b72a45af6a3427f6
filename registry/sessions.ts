/**
 * Login sessions of people. The browser holds a random 256-bit session id in an HttpOnly cookie; only its SHA-256
 * is stored, so a copy of the database does not let anyone ride a session. Each session has its own CSRF token
 * (synchronizer-token pattern, OWASP CSRF Cheat Sheet) that the page sends as `X-CSRF-Token` on mutations.
 * A session ends at an absolute lifetime or after an idle period, whichever comes first.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';

export interface SessionPolicy {
  /** Absolute lifetime. */
  ttlMs: number;
  /** Ends a session nobody used for this long. */
  idleMs: number;
}
export const DEFAULT_SESSION_POLICY: SessionPolicy = { ttlMs: 12 * 3600_000, idleMs: 2 * 3600_000 };

export interface Session {
  userId: string;
  csrfToken: string;
  expiresAtMs: number;
}

export interface SessionStore {
  /** Returns the session id for the cookie: the only time it exists outside the browser. */
  create(userId: string, nowMs: number): { id: string; session: Session };
  /** The live session of this id; undefined when unknown, expired or idle too long (and then it is deleted). */
  lookup(id: string, nowMs: number): Session | undefined;
  end(id: string): void;
  endAllOf(userId: string): void;
}

const digest = (id: string): string => createHash('sha256').update(id, 'utf8').digest('base64url');

export function openSessionStore(db: DatabaseSync, policy: SessionPolicy = DEFAULT_SESSION_POLICY): SessionStore {
  db.exec(`CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, csrf_token TEXT NOT NULL, created_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL) STRICT;
    CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);`);
  const q = {
    insert: db.prepare('INSERT INTO sessions (id_hash, user_id, csrf_token, created_ms, last_seen_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?)'),
    get: db.prepare('SELECT user_id, csrf_token, last_seen_ms, expires_ms FROM sessions WHERE id_hash = ?'),
    touch: db.prepare('UPDATE sessions SET last_seen_ms = ? WHERE id_hash = ?'),
    del: db.prepare('DELETE FROM sessions WHERE id_hash = ?'),
    delUser: db.prepare('DELETE FROM sessions WHERE user_id = ?'),
    sweep: db.prepare('DELETE FROM sessions WHERE expires_ms <= ? OR last_seen_ms <= ?'),
  };
  return {
    create(userId, nowMs) {
      q.sweep.run(nowMs, nowMs - policy.idleMs);
      const id = randomBytes(32).toString('base64url');
      const session: Session = { userId, csrfToken: randomBytes(24).toString('base64url'), expiresAtMs: nowMs + policy.ttlMs };
      q.insert.run(digest(id), userId, session.csrfToken, nowMs, nowMs, session.expiresAtMs);
      return { id, session };
    },
    lookup(id, nowMs) {
      const key = digest(id);
      const r = q.get.get(key) as { user_id: string; csrf_token: string; last_seen_ms: number; expires_ms: number } | undefined;
      if (!r) return undefined;
      if (r.expires_ms <= nowMs || r.last_seen_ms + policy.idleMs <= nowMs) {
        q.del.run(key);
        return undefined;
      }
      // One write a minute at most: a page polling every second must not turn reads into writes.
      if (nowMs - r.last_seen_ms > 60_000) q.touch.run(nowMs, key);
      return { userId: r.user_id, csrfToken: r.csrf_token, expiresAtMs: r.expires_ms };
    },
    end: (id) => void q.del.run(digest(id)),
    endAllOf: (userId) => void q.delUser.run(userId),
  };
}
