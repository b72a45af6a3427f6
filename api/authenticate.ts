/**
 * Who is calling, from the request alone: `Authorization: Bearer` with the ADMIN_TOKEN (the admin machine
 * credential the simulator provisions with) or an API token, else the session cookie of a logged-in person.
 * Also the CSRF rule for cookie sessions: a mutation must carry the session's `X-CSRF-Token` and, when the
 * browser sends an Origin, come from this origin (OWASP CSRF Cheat Sheet: synchronizer token + origin check).
 * The cookie is also SameSite=Strict; the token is what we rely on.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { SessionStore } from '../registry/sessions.ts';
import type { TokenStore } from '../registry/tokens.ts';
import type { UserStore } from '../registry/users.ts';
import type { Principal } from './access.ts';
import { ApiError } from './errors.ts';

export const SESSION_COOKIE = 'vw_session';
export const CSRF_HEADER = 'x-csrf-token';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export interface AuthenticatorDeps {
  adminToken: string;
  users: UserStore;
  sessions: SessionStore;
  tokens: TokenStore;
  clock: () => number;
}

export function createAuthenticator(deps: AuthenticatorDeps): (req: FastifyRequest) => Promise<Principal | null> {
  const admin: Principal = {
    kind: 'admin_token', id: 'admin-token', name: 'admin-token', displayName: 'Admin token', role: 'admin', scope: { all: true },
    language: 'zh', via: 'bearer',
  };
  return async (req) => {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const secret = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      if (!secret) throw new ApiError('UNAUTHENTICATED', 'malformed Authorization header (expected: Bearer <token>)');
      if (sameSecret(secret, deps.adminToken)) return admin;
      const token = deps.tokens.verify(secret, deps.clock());
      if (!token) throw new ApiError('UNAUTHENTICATED', 'invalid, expired or revoked token');
      return {
        kind: 'token', id: token.id, name: token.name, displayName: token.name, role: token.role, scope: token.scope, language: 'zh', via: 'bearer',
      };
    }
    const sessionId = readCookie(req, SESSION_COOKIE);
    if (!sessionId) return null;
    const session = deps.sessions.lookup(sessionId, deps.clock());
    const user = session ? deps.users.get(session.userId) : undefined;
    if (!session || !user || user.status !== 'active') return null;
    const principal: Principal = {
      kind: 'user', id: user.id, name: user.username, displayName: user.displayName, role: user.role, scope: user.scope,
      language: user.language, via: 'session', sessionId, csrfToken: session.csrfToken, expiresAtMs: session.expiresAtMs,
    };
    if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method)) checkCsrf(req, session.csrfToken);
    return principal;
  };
}

/** Origin, when the browser sends one, must be this server. Applies to every mutation, logins included. */
export function checkOrigin(req: FastifyRequest): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host: string | null = null;
  try {
    host = new URL(origin).host;
  } catch {
    host = null;
  }
  if (host === null || host !== req.headers.host) throw new ApiError('CSRF_FAILED', `cross-origin request from ${origin} refused`);
}

function checkCsrf(req: FastifyRequest, expected: string): void {
  checkOrigin(req);
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !sameSecret(sent, expected)) {
    throw new ApiError('CSRF_FAILED', `missing or wrong ${CSRF_HEADER} header (GET /api/session returns it)`);
  }
}
