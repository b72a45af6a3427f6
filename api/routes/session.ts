/**
 * People log in and out: `POST /api/session` checks the password (slow hash), counts failures and locks the account
 * for a while after repeated ones, and sets the HttpOnly session cookie; the response carries the CSRF token the
 * page sends back on mutations. `GET /api/session` says who the caller is (any credential).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LoginRequestSchema, PasswordChangeSchema, SessionSchema, type PrincipalView } from '../../contracts/api/access.ts';
import type { SessionStore } from '../../registry/sessions.ts';
import type { UserStore } from '../../registry/users.ts';
import { principalOf, type Principal } from '../access.ts';
import type { AuditTrail } from '../audit-trail.ts';
import { checkOrigin, SESSION_COOKIE } from '../authenticate.ts';
import { ApiError } from '../errors.ts';
import { route } from '../route.ts';

export interface SessionRouteDeps {
  users: UserStore;
  sessions: SessionStore;
  audit: AuditTrail;
  clock: () => number;
  /** Adds `Secure` to the cookie; on when the API is served over HTTPS (or behind a TLS proxy). */
  secureCookie: boolean;
}

const view = (p: Principal): PrincipalView => ({
  kind: p.kind, id: p.id, name: p.name, displayName: p.displayName, role: p.role, scope: p.scope, language: p.language,
});

function setCookie(reply: FastifyReply, value: string, maxAgeS: number, secure: boolean): void {
  const attrs = [`${SESSION_COOKIE}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeS}`];
  if (secure) attrs.push('Secure');
  void reply.header('set-cookie', attrs.join('; '));
}

export function sessionRoutes(app: FastifyInstance, deps: SessionRouteDeps): void {
  const { users, sessions, audit, clock } = deps;

  route(app, {
    method: 'POST', url: '/api/session', tags: ['session'], access: { permission: 'public' },
    summary: 'Log in with username and password; sets the session cookie',
    body: LoginRequestSchema,
    response: { 200: SessionSchema },
    async handler(req, { body }, reply) {
      checkOrigin(req); // login CSRF: a foreign page must not log the browser into an account of its choosing
      const now = clock();
      const outcome = await users.login(body.username, body.password, now);
      switch (outcome.result) {
        case 'bad_credentials':
          audit.recordAs(`user:${body.username}`, null, { action: 'session.login_failed', targetType: 'user', targetId: null });
          throw new ApiError('LOGIN_FAILED', 'wrong username or password');
        case 'locked': {
          const retryAfterS = Math.ceil((outcome.lockedUntilMs - now) / 1000);
          audit.recordAs(`user:${body.username}`, outcome.user.role, {
            action: 'session.login_locked', targetType: 'user', targetId: outcome.user.id, after: { lockedUntil: new Date(outcome.lockedUntilMs).toISOString() },
          });
          void reply.header('retry-after', String(retryAfterS));
          throw new ApiError('ACCOUNT_LOCKED', `too many failed logins; try again in ${Math.ceil(retryAfterS / 60)} min`, { retryAfterS });
        }
        case 'disabled':
          throw new ApiError('ACCOUNT_DISABLED', 'this account is disabled');
        case 'ok': {
          const { id, session } = sessions.create(outcome.user.id, now);
          setCookie(reply, id, Math.floor((session.expiresAtMs - now) / 1000), deps.secureCookie);
          const u = outcome.user;
          audit.recordAs(`user:${u.username}`, u.role, { action: 'session.login', targetType: 'user', targetId: u.id });
          req.audited = true;
          return {
            principal: { kind: 'user', id: u.id, name: u.username, displayName: u.displayName, role: u.role, scope: u.scope, language: u.language },
            csrfToken: session.csrfToken,
            expiresAt: new Date(session.expiresAtMs).toISOString(),
          };
        }
      }
    },
  });

  route(app, {
    method: 'GET', url: '/api/session', tags: ['session'], access: { permission: 'self' },
    summary: 'Who am I: the principal, and for a cookie session its CSRF token',
    response: { 200: SessionSchema },
    async handler(req) {
      const p = principalOf(req);
      return { principal: view(p), csrfToken: p.csrfToken ?? null, expiresAt: p.expiresAtMs ? new Date(p.expiresAtMs).toISOString() : null };
    },
  });

  route(app, {
    method: 'DELETE', url: '/api/session', tags: ['session'], access: { permission: 'self' },
    summary: 'Log out: ends the session and clears the cookie',
    async handler(req: FastifyRequest, _input, reply) {
      const p = principalOf(req);
      if (p.sessionId) sessions.end(p.sessionId);
      setCookie(reply, '', 0, deps.secureCookie);
      audit.record(req, { action: 'session.logout', targetType: 'user', targetId: p.id });
      return reply.code(204).send();
    },
  });

  route(app, {
    method: 'POST', url: '/api/session/password', tags: ['session'], access: { permission: 'self' },
    summary: 'Change my password (people only); ends my other sessions',
    body: PasswordChangeSchema,
    async handler(req, { body }, reply) {
      const p = principalOf(req);
      if (p.kind !== 'user') throw new ApiError('FORBIDDEN', 'only people have passwords');
      if (!(await users.checkPassword(p.id, body.currentPassword))) {
        throw new ApiError('LOGIN_FAILED', 'current password is wrong', { issues: [{ path: 'body.currentPassword', message: 'wrong password' }] });
      }
      await users.setPassword(p.id, body.newPassword);
      sessions.endAllOf(p.id);
      const { id, session } = sessions.create(p.id, clock());
      setCookie(reply, id, Math.floor((session.expiresAtMs - clock()) / 1000), deps.secureCookie);
      audit.record(req, { action: 'user.password_change', targetType: 'user', targetId: p.id });
      return { principal: view(p), csrfToken: session.csrfToken, expiresAt: new Date(session.expiresAtMs).toISOString() };
    },
  });
}
