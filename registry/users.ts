/**
 * People who log in: username, role, tenancy scope, a slow password hash (password-hash.ts), and the counters
 * that lock an account for a while after repeated failed logins (OWASP Authentication Cheat Sheet, "Account
 * lockout"). SQLite (node:sqlite), injected; times come from the caller's clock.
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { CodedError } from '../platform/coded-error.ts';
import { ScopeSchema, UserCreateSchema, type Role, type Scope, type User, type UserCreate } from '../contracts/api/access.ts';
import { DEFAULT_SCRYPT, decoyHash, generatePassword, hashPassword, verifyPassword, type ScryptParams } from './password-hash.ts';

export type UserErrorCode = 'USER_EXISTS' | 'USER_NOT_FOUND';
export class UserError extends CodedError<UserErrorCode> {
  override name = 'UserError';
}

export interface LockoutPolicy {
  /** Consecutive failed logins that lock the account. */
  maxFailures: number;
  lockMs: number;
}
export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, lockMs: 15 * 60_000 };

/** What a login attempt came to; `locked` and `disabled` are decided before the password is looked at. */
export type LoginOutcome =
  | { result: 'ok'; user: User }
  | { result: 'bad_credentials' }
  | { result: 'locked'; user: User; lockedUntilMs: number }
  | { result: 'disabled'; user: User };

export interface UserStore {
  /** Creates a user; returns the password (generated when the input has none): the only time it is shown. */
  create(input: UserCreate, nowMs: number): Promise<{ user: User; password: string }>;
  get(id: string): User | undefined;
  getByUsername(username: string): User | undefined;
  list(filter?: { role?: Role | undefined }): User[];
  setStatus(id: string, status: User['status']): User;
  setPassword(id: string, password: string): Promise<User>;
  /** Checks a password and keeps the failure count; `nowMs` decides whether a lock is still in force. */
  login(username: string, password: string, nowMs: number): Promise<LoginOutcome>;
  /** Checks a password without touching the failure count (e.g. to confirm a password change). */
  checkPassword(id: string, password: string): Promise<boolean>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, role TEXT NOT NULL,
  scope TEXT NOT NULL, language TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'active', password_hash TEXT NOT NULL,
  failed_logins INTEGER NOT NULL DEFAULT 0, locked_until_ms INTEGER, created_at TEXT NOT NULL) STRICT;
`;

interface Row {
  id: string; username: string; display_name: string; role: string; scope: string; language: string; status: string;
  password_hash: string; failed_logins: number; locked_until_ms: number | null; created_at: string;
}

export function openUserStore(
  db: DatabaseSync,
  opts: { lockout?: LockoutPolicy; scrypt?: ScryptParams; clock?: () => number } = {},
): UserStore {
  db.exec(SCHEMA);
  const lockout = opts.lockout ?? DEFAULT_LOCKOUT;
  const params = opts.scrypt ?? DEFAULT_SCRYPT;
  const clock = opts.clock ?? Date.now;
  const q = {
    byId: db.prepare('SELECT * FROM users WHERE id = ?'),
    byName: db.prepare('SELECT * FROM users WHERE username = ?'),
    insert: db.prepare(`INSERT INTO users (id, username, display_name, role, scope, language, password_hash, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    status: db.prepare('UPDATE users SET status = ? WHERE id = ?'),
    hash: db.prepare('UPDATE users SET password_hash = ?, failed_logins = 0, locked_until_ms = NULL WHERE id = ?'),
    fail: db.prepare('UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins'),
    lock: db.prepare('UPDATE users SET failed_logins = 0, locked_until_ms = ? WHERE id = ?'),
    ok: db.prepare('UPDATE users SET failed_logins = 0, locked_until_ms = NULL WHERE id = ?'),
  };

  const toUser = (r: Row): User => ({
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    role: r.role as Role,
    scope: ScopeSchema.parse(JSON.parse(r.scope)) as Scope,
    language: r.language as User['language'],
    status: r.status as User['status'],
    createdAt: r.created_at,
    lockedUntil: r.locked_until_ms !== null && r.locked_until_ms > clock() ? new Date(r.locked_until_ms).toISOString() : null,
  });
  const row = (id: string) => q.byId.get(id) as Row | undefined;
  const mustRow = (id: string): Row => {
    const r = row(id);
    if (!r) throw new UserError('USER_NOT_FOUND', `no user ${id}`);
    return r;
  };

  return {
    async create(input, nowMs) {
      const u = UserCreateSchema.parse(input);
      if (q.byName.get(u.username)) throw new UserError('USER_EXISTS', `username ${u.username} is taken`);
      const password = u.password ?? generatePassword();
      const hash = await hashPassword(password, params);
      const id = randomUUID();
      try {
        q.insert.run(id, u.username, u.displayName, u.role, JSON.stringify(u.scope), u.language, hash, new Date(nowMs).toISOString());
      } catch (err) {
        // Two creations raced past the check above: the UNIQUE constraint decides.
        if (q.byName.get(u.username)) throw new UserError('USER_EXISTS', `username ${u.username} is taken`);
        throw err;
      }
      return { user: toUser(mustRow(id)), password };
    },
    get: (id) => {
      const r = row(id);
      return r ? toUser(r) : undefined;
    },
    getByUsername: (username) => {
      const r = q.byName.get(username) as Row | undefined;
      return r ? toUser(r) : undefined;
    },
    list(filter = {}) {
      const rows = (filter.role
        ? db.prepare('SELECT * FROM users WHERE role = ? ORDER BY username').all(filter.role)
        : db.prepare('SELECT * FROM users ORDER BY username').all()) as unknown as Row[];
      return rows.map(toUser);
    },
    setStatus(id, status) {
      mustRow(id);
      q.status.run(status, id);
      return toUser(mustRow(id));
    },
    async setPassword(id, password) {
      mustRow(id);
      q.hash.run(await hashPassword(password, params), id);
      return toUser(mustRow(id));
    },
    async login(username, password, nowMs) {
      const r = q.byName.get(username) as Row | undefined;
      if (!r) {
        await verifyPassword(password, await decoyHash(params), params); // same time as a known username
        return { result: 'bad_credentials' };
      }
      if (r.locked_until_ms !== null && r.locked_until_ms > nowMs) return { result: 'locked', user: toUser(r), lockedUntilMs: r.locked_until_ms };
      const check = await verifyPassword(password, r.password_hash, params);
      if (!check.ok) {
        const { failed_logins } = q.fail.get(r.id) as { failed_logins: number };
        if (failed_logins >= lockout.maxFailures) {
          const until = nowMs + lockout.lockMs;
          q.lock.run(until, r.id);
          return { result: 'locked', user: toUser(mustRow(r.id)), lockedUntilMs: until };
        }
        return { result: 'bad_credentials' };
      }
      if (r.status !== 'active') return { result: 'disabled', user: toUser(r) };
      q.ok.run(r.id);
      if (check.rehash) q.hash.run(await hashPassword(password, params), r.id);
      return { result: 'ok', user: toUser(mustRow(r.id)) };
    },
    async checkPassword(id, password) {
      const r = mustRow(id);
      return (await verifyPassword(password, r.password_hash, params)).ok;
    },
  };
}
