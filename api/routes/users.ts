/** People and machine credentials, managed by an admin: users (password shown once) and API tokens (secret shown once). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  RoleSchema, TokenCreateSchema, TokenSchema, TokenWithSecretSchema, UserCreateSchema, UserSchema, UserWithPasswordSchema,
} from '../../contracts/api/access.ts';
import { IdParamsSchema } from '../../contracts/api/queries.ts';
import { generatePassword } from '../../registry/password-hash.ts';
import type { SessionStore } from '../../registry/sessions.ts';
import type { TokenStore } from '../../registry/tokens.ts';
import { UserError, type UserStore } from '../../registry/users.ts';
import { actorOf } from '../access.ts';
import type { AuditTrail } from '../audit-trail.ts';
import { ApiError } from '../errors.ts';
import { route } from '../route.ts';

export interface UserRouteDeps {
  users: UserStore;
  sessions: SessionStore;
  tokens: TokenStore;
  audit: AuditTrail;
  clock: () => number;
}

export function userRoutes(app: FastifyInstance, deps: UserRouteDeps): void {
  const { users, tokens, audit, clock } = deps;
  const userAccess = { permission: 'users:manage', resource: { type: 'user', param: 'id' } } as const;
  const mustUser = (id: string) => {
    const u = users.get(id);
    if (!u) throw new ApiError('USER_NOT_FOUND', `no user ${id}`);
    return u;
  };

  route(app, {
    method: 'POST', url: '/api/users', tags: ['users'], access: { permission: 'users:manage' },
    summary: 'Create a person; the password (given or generated) is returned once',
    body: UserCreateSchema,
    response: { 201: UserWithPasswordSchema },
    async handler(req, { body }, reply) {
      try {
        const created = await users.create(body, clock());
        audit.record(req, { action: 'user.create', targetType: 'user', targetId: created.user.id, after: created.user });
        return reply.code(201).send(created);
      } catch (err) {
        if (err instanceof UserError) throw new ApiError(err.code, err.message, { issues: [{ path: 'body.username', message: err.message }] });
        throw err;
      }
    },
  });

  route(app, {
    method: 'GET', url: '/api/users', tags: ['users'], access: { permission: 'users:manage' },
    summary: 'List people', query: z.strictObject({ role: RoleSchema.optional() }),
    response: { 200: z.strictObject({ users: z.array(UserSchema) }) },
    handler: async (_req, { query }) => ({ users: users.list(query) }),
  });

  route(app, {
    method: 'GET', url: '/api/users/:id', tags: ['users'], access: userAccess, summary: 'One person',
    params: IdParamsSchema, response: { 200: UserSchema },
    handler: async (_req, { params }) => mustUser(params.id),
  });

  for (const [action, status] of [['disable', 'disabled'], ['enable', 'active']] as const) {
    route(app, {
      method: 'POST', url: `/api/users/:id/${action}`, tags: ['users'], access: userAccess,
      summary: action === 'disable' ? 'Disable a person (ends their sessions)' : 'Enable a person',
      params: IdParamsSchema, response: { 200: UserSchema },
      async handler(req, { params }) {
        const before = mustUser(params.id);
        const after = users.setStatus(params.id, status);
        if (status === 'disabled') deps.sessions.endAllOf(params.id);
        audit.record(req, { action: `user.${action}`, targetType: 'user', targetId: params.id, before, after });
        return after;
      },
    });
  }

  route(app, {
    method: 'POST', url: '/api/users/:id/password', tags: ['users'], access: userAccess,
    summary: "Reset a person's password: a new one is generated, returned once, and their sessions end",
    params: IdParamsSchema, response: { 200: UserWithPasswordSchema },
    async handler(req, { params }) {
      mustUser(params.id);
      const password = generatePassword();
      const user = await users.setPassword(params.id, password);
      deps.sessions.endAllOf(params.id);
      audit.record(req, { action: 'user.password_reset', targetType: 'user', targetId: params.id });
      return { user, password };
    },
  });

  const tokenAccess = { permission: 'tokens:manage', resource: { type: 'token', param: 'id' } } as const;

  route(app, {
    method: 'POST', url: '/api/tokens', tags: ['tokens'], access: { permission: 'tokens:manage' },
    summary: 'Create an API token with a role and scope; the secret is returned once',
    body: TokenCreateSchema, response: { 201: TokenWithSecretSchema },
    async handler(req, { body }, reply) {
      const created = tokens.create(body, actorOf(req), clock());
      audit.record(req, { action: 'token.create', targetType: 'token', targetId: created.token.id, after: created.token });
      return reply.code(201).send(created);
    },
  });

  route(app, {
    method: 'GET', url: '/api/tokens', tags: ['tokens'], access: { permission: 'tokens:manage' }, summary: 'List API tokens (never their secrets)',
    response: { 200: z.strictObject({ tokens: z.array(TokenSchema) }) },
    handler: async () => ({ tokens: tokens.list() }),
  });

  route(app, {
    method: 'DELETE', url: '/api/tokens/:id', tags: ['tokens'], access: tokenAccess,
    summary: 'Revoke an API token: it stops working at once', params: IdParamsSchema, response: { 200: TokenSchema },
    async handler(req, { params }) {
      const before = tokens.get(params.id);
      const after = tokens.revoke(params.id, clock());
      audit.record(req, { action: 'token.revoke', targetType: 'token', targetId: params.id, before, after });
      return after;
    },
  });
}
