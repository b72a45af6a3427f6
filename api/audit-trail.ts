/**
 * Every mutation through the API lands in the hash-chained audit log (registry/audit.ts). Handlers record what
 * they changed, with before/after, through `record`; a hook catches any successful mutation a handler did not
 * record and logs it generically, so "every mutation" holds even for a route that forgets (and the generic
 * action name makes the omission visible in review).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditInput, AuditLog } from '../registry/audit.ts';
import { actorOf } from './access.ts';

export interface AuditTrail {
  /** Appends one entry for this request's principal. */
  record(req: FastifyRequest, entry: Omit<AuditInput, 'actor' | 'actorRole'>): void;
  /** For events without a principal (a failed login): the actor is named by the caller. */
  recordAs(actor: string, actorRole: string | null, entry: Omit<AuditInput, 'actor' | 'actorRole'>): void;
}

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function createAuditTrail(log: AuditLog, clock: () => number): AuditTrail {
  return {
    record(req, entry) {
      log.append({ ...entry, actor: actorOf(req), actorRole: req.principal?.role ?? null }, clock());
      req.audited = true;
    },
    recordAs(actor, actorRole, entry) {
      log.append({ ...entry, actor, actorRole }, clock());
    },
  };
}

export function installAuditFallback(api: FastifyInstance, trail: AuditTrail): void {
  api.addHook('onResponse', async (req, reply) => {
    if (!MUTATIONS.has(req.method) || req.audited || reply.statusCode >= 400 || !req.principal) return;
    const params = req.params as Record<string, string | undefined>;
    trail.record(req, {
      action: `http ${req.method} ${req.routeOptions.url ?? req.url}`,
      targetType: 'http',
      targetId: params.id ?? null,
    });
  });
}
