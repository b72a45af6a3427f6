/**
 * Alerts over HTTP: list and filter, show with history, acknowledge, resolve (density alerts need the corrective
 * action taken), comment. State changes go through the alert manager (rules/alerts/lifecycle.ts) so publishers see
 * them, and into the audit log. Tenancy: an office sees the alerts of its districts, a contractor the alerts of
 * its sites (not district-wide ones); a contractor may acknowledge device alerts only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AlertEventSchema, AlertSchema, type Alert, type AlertState } from '../../contracts/alert.ts';
import { AcknowledgeBodySchema, AlertListQuerySchema, CommentBodySchema, IdParamsSchema, ResolveBodySchema } from '../../contracts/api/queries.ts';
import type { AlertListFilter, AlertStore } from '../../rules/alerts/alert-store.ts';
import { AlertError } from '../../rules/alerts/errors.ts';
import type { AlertManager } from '../../rules/alerts/lifecycle.ts';
import { actorOf, assertInScope, principalOf, scopeFilter } from '../access.ts';
import type { AuditTrail } from '../audit-trail.ts';
import { ApiError } from '../errors.ts';
import { route } from '../route.ts';

export interface AlertRouteDeps {
  store: Pick<AlertStore, 'list' | 'get' | 'events'>;
  manager: Pick<AlertManager, 'acknowledge' | 'resolve' | 'comment'>;
  audit: AuditTrail;
  /** Called after a person changed an alert here, e.g. to push it to live pages. */
  onAlertChanged?: ((alert: Alert) => void) | undefined;
}

function mapAlertError(err: unknown): never {
  if (err instanceof AlertError) {
    switch (err.code) {
      case 'ALERT_NOT_FOUND':
      case 'ALERT_ALREADY_RESOLVED':
      case 'ALERT_ALREADY_ACKNOWLEDGED':
        throw new ApiError(err.code, err.message);
      case 'CORRECTIVE_ACTION_REQUIRED':
        throw new ApiError(err.code, err.message, { issues: [{ path: 'body.correctiveAction', message: 'required for this alert' }] });
      case 'ALERT_INPUT_INVALID':
        throw new ApiError('VALIDATION_FAILED', err.message);
      case 'ALERT_RULE_INVALID':
        break;
    }
  }
  throw err;
}

const newestFirst = (a: Alert, b: Alert) => (a.openedAt < b.openedAt ? 1 : a.openedAt > b.openedAt ? -1 : a.id < b.id ? -1 : 1);

/** The alerts a caller sees, from one store query per district or site in scope (the store filters by one of each). */
function listScoped(req: FastifyRequest, store: AlertRouteDeps['store'], filter: AlertListFilter, states: AlertState[] | undefined): Alert[] {
  const scope = scopeFilter(req);
  const limit = filter.limit ?? 100;
  const run = (f: AlertListFilter): Alert[] => (states ? states.flatMap((state) => store.list({ ...f, state })) : store.list(f));
  let alerts: Alert[];
  if ('all' in scope) alerts = run(filter);
  else if ('contractorId' in scope) {
    const sites = filter.siteId ? [filter.siteId] : scope.siteIds;
    alerts = sites.flatMap((siteId) => run({ ...filter, siteId })).filter((a) => !filter.districtId || a.districtId === filter.districtId);
  } else {
    const districts = filter.districtId ? [filter.districtId] : scope.districtIds;
    alerts = districts.flatMap((districtId) => run({ ...filter, districtId }));
  }
  return alerts.sort(newestFirst).slice(0, limit);
}

export function alertRoutes(app: FastifyInstance, deps: AlertRouteDeps): void {
  const { store, manager, audit } = deps;
  const on = (permission: 'alerts:read' | 'alerts:acknowledge' | 'alerts:resolve' | 'alerts:comment') =>
    ({ permission, resource: { type: 'alert', param: 'id' } }) as const;
  const where = (a: Alert) => ({ districtId: a.districtId, siteId: a.siteId ?? null });

  route(app, {
    method: 'GET', url: '/api/alerts', tags: ['alerts'], access: { permission: 'alerts:read' },
    summary: 'Alerts in my scope, newest first; filter by state (or status=active), kind, district, site',
    query: AlertListQuerySchema, response: { 200: z.strictObject({ alerts: z.array(AlertSchema) }) },
    async handler(req, { query }) {
      if (query.districtId) assertInScope(req, 'district', query.districtId);
      if (query.siteId) assertInScope(req, 'site', query.siteId);
      const states: AlertState[] | undefined = query.status === 'active' ? ['open', 'acknowledged'] : undefined;
      const filter: AlertListFilter = { state: query.state, kind: query.kind, districtId: query.districtId, siteId: query.siteId, limit: query.limit };
      return { alerts: listScoped(req, store, filter, states) };
    },
  });

  route(app, {
    method: 'GET', url: '/api/alerts/:id', tags: ['alerts'], access: on('alerts:read'), summary: 'One alert with its history',
    params: IdParamsSchema, response: { 200: z.strictObject({ alert: AlertSchema, events: z.array(AlertEventSchema) }) },
    handler: async (_req, { params }) => ({ alert: store.get(params.id), events: store.events(params.id) }),
  });

  route(app, {
    method: 'POST', url: '/api/alerts/:id/acknowledge', tags: ['alerts'], access: on('alerts:acknowledge'),
    summary: 'Acknowledge an open alert (contractors: device alerts of their sites only)',
    params: IdParamsSchema, body: AcknowledgeBodySchema, response: { 200: AlertSchema },
    async handler(req, { params, body }) {
      const before = store.get(params.id) as Alert;
      if (principalOf(req).role === 'contractor' && before.scope.level !== 'device') {
        throw new ApiError('FORBIDDEN', 'contractors acknowledge device alerts only; the health office acknowledges this one');
      }
      const after = await manager.acknowledge(params.id, actorOf(req), body.note).catch(mapAlertError);
      audit.record(req, { action: 'alert.acknowledge', targetType: 'alert', targetId: params.id, ...where(after), before, after });
      deps.onAlertChanged?.(after);
      return after;
    },
  });

  route(app, {
    method: 'POST', url: '/api/alerts/:id/resolve', tags: ['alerts'], access: on('alerts:resolve'),
    summary: 'Resolve an alert; density alerts need correctiveAction',
    params: IdParamsSchema, body: ResolveBodySchema, response: { 200: AlertSchema },
    async handler(req, { params, body }) {
      const before = store.get(params.id) as Alert;
      const after = await manager.resolve(params.id, actorOf(req), body.note, { correctiveAction: body.correctiveAction }).catch(mapAlertError);
      audit.record(req, { action: 'alert.resolve', targetType: 'alert', targetId: params.id, ...where(after), before, after });
      deps.onAlertChanged?.(after);
      return after;
    },
  });

  route(app, {
    method: 'POST', url: '/api/alerts/:id/comments', tags: ['alerts'], access: on('alerts:comment'), summary: 'Comment on an alert',
    params: IdParamsSchema, body: CommentBodySchema, response: { 201: AlertEventSchema },
    async handler(req, { params, body }, reply) {
      const event = await manager.comment(params.id, actorOf(req), body.text).catch(mapAlertError);
      audit.record(req, { action: 'alert.comment', targetType: 'alert', targetId: params.id, ...where(event.alert), after: { text: body.text } });
      return reply.code(201).send(event);
    },
  });
}
