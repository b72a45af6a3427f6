/** The audit log: admin sees everything, a health office the entries in its districts; admin can verify the chain. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AuditEntrySchema, AuditVerificationSchema } from '../../contracts/api/audit.ts';
import { AuditQuerySchema } from '../../contracts/api/queries.ts';
import type { AuditLog } from '../../registry/audit.ts';
import { scopeFilter } from '../access.ts';
import { route } from '../route.ts';

export function auditRoutes(app: FastifyInstance, deps: { log: AuditLog }): void {
  route(app, {
    method: 'GET', url: '/api/audit', tags: ['audit'], access: { permission: 'audit:read' },
    summary: 'Audit entries, newest first (a health office: those in its districts)',
    query: AuditQuerySchema, response: { 200: z.strictObject({ entries: z.array(AuditEntrySchema) }) },
    async handler(req, { query }) {
      const scope = scopeFilter(req);
      return { entries: deps.log.list({ ...query, ...('all' in scope ? {} : { districtIds: scope.districtIds }) }) };
    },
  });
  route(app, {
    method: 'GET', url: '/api/audit/verify', tags: ['audit'], access: { permission: 'audit:verify' },
    summary: 'Walk the hash chain; reports the first entry that does not match',
    response: { 200: AuditVerificationSchema },
    handler: async () => deps.log.verify(),
  });
}
