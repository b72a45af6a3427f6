/**
 * API tokens for machines (integrations, report jobs, the simulator's operator): a role and a scope like a user,
 * revocable, optionally expiring. The secret is `vwt_` + 256 random bits; only its SHA-256 is stored. A fast hash
 * is enough for a full-entropy secret (the same reasoning as device passwords in registry.ts).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { CodedError } from '../platform/coded-error.ts';
import { ScopeSchema, TokenCreateSchema, type Role, type Token, type TokenCreate } from '../contracts/api/access.ts';

export const TOKEN_PREFIX = 'vwt_';

export class TokenError extends CodedError<'TOKEN_NOT_FOUND'> {
  override name = 'TokenError';
}

export interface TokenStore {
  create(input: TokenCreate, createdBy: string, nowMs: number): { token: Token; secret: string };
  get(id: string): Token | undefined;
  list(): Token[];
  /** Revoking twice keeps the first time. */
  revoke(id: string, nowMs: number): Token;
  /** The token this secret belongs to, if it is neither revoked nor expired. */
  verify(secret: string, nowMs: number): Token | undefined;
}

interface Row {
  id: string; name: string; role: string; scope: string; created_by: string; created_ms: number;
  expires_ms: number | null; revoked_ms: number | null; last_used_ms: number | null;
}

const digest = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('base64url');
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function openTokenStore(db: DatabaseSync): TokenStore {
  db.exec(`CREATE TABLE IF NOT EXISTS api_tokens (
    id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL,
    created_by TEXT NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER, revoked_ms INTEGER, last_used_ms INTEGER) STRICT;`);
  const cols = 'id, name, role, scope, created_by, created_ms, expires_ms, revoked_ms, last_used_ms';
  const q = {
    insert: db.prepare(`INSERT INTO api_tokens (id, secret_hash, name, role, scope, created_by, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    get: db.prepare(`SELECT ${cols} FROM api_tokens WHERE id = ?`),
    bySecret: db.prepare(`SELECT ${cols} FROM api_tokens WHERE secret_hash = ?`),
    list: db.prepare(`SELECT ${cols} FROM api_tokens ORDER BY created_ms, id`),
    revoke: db.prepare('UPDATE api_tokens SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL'),
    used: db.prepare('UPDATE api_tokens SET last_used_ms = ? WHERE id = ?'),
  };
  const toToken = (r: Row): Token => ({
    id: r.id,
    name: r.name,
    role: r.role as Role,
    scope: ScopeSchema.parse(JSON.parse(r.scope)),
    createdBy: r.created_by,
    createdAt: iso(r.created_ms) as string,
    expiresAt: iso(r.expires_ms),
    revokedAt: iso(r.revoked_ms),
    lastUsedAt: iso(r.last_used_ms),
  });
  const get = (id: string) => {
    const r = q.get.get(id) as Row | undefined;
    return r ? toToken(r) : undefined;
  };
  return {
    create(input, createdBy, nowMs) {
      const t = TokenCreateSchema.parse(input);
      const id = randomUUID();
      const secret = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      q.insert.run(id, digest(secret), t.name, t.role, JSON.stringify(t.scope), createdBy, nowMs, t.expiresAt ? Date.parse(t.expiresAt) : null);
      return { token: get(id) as Token, secret };
    },
    get,
    list: () => (q.list.all() as unknown as Row[]).map(toToken),
    revoke(id, nowMs) {
      if (!q.get.get(id)) throw new TokenError('TOKEN_NOT_FOUND', `no token ${id}`);
      q.revoke.run(nowMs, id);
      return get(id) as Token;
    },
    verify(secret, nowMs) {
      if (!secret.startsWith(TOKEN_PREFIX)) return undefined;
      const r = q.bySecret.get(digest(secret)) as Row | undefined;
      if (!r || r.revoked_ms !== null || (r.expires_ms !== null && r.expires_ms <= nowMs)) return undefined;
      if (r.last_used_ms === null || nowMs - r.last_used_ms > 60_000) q.used.run(nowMs, r.id);
      return toToken({ ...r, last_used_ms: nowMs });
    },
  };
}
