/**
 * Hygienic-city compliance over HTTP (issue 3): `GET /api/compliance?scope=…&period=…&profile=national` grades the
 * scope (as `GET /api/grades`) and certifies it under the chosen profile (`national`: all four vectors at C or
 * better; `provincial-legacy`: three meet it and the fourth is at most 3× its C limit; standards.md §4). The answer
 * has the outcome (`pass`, `fail`, `insufficient_data`), every rule check with observed, allowed and margin, and the
 * grades it rests on.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Grading } from '../../rules/engine/grading.ts';
import type { ApiContext } from '../build-app.ts';
import { ApiError } from '../errors.ts';
import { route } from '../route.ts';
import { scopeAndPeriod } from './grades.ts';

export interface ComplianceRouteDeps {
  grading: Grading;
  timeZone: string;
}

export const ComplianceQuerySchema = z.strictObject({
  scope: z.string().min(1).describe('city, district:<id> or site:<id>'),
  period: z.string().min(1).describe('2026-11, 2026-W47, 2026-11-22, or from..to'),
  profile: z.string().min(1).default('national').describe('certification profile: national or provincial-legacy'),
  evidence: z.enum(['counts', 'ids']).default('counts'),
});

export function complianceRoutes(deps: ComplianceRouteDeps): (api: FastifyInstance, ctx: ApiContext) => void {
  return (api) => {
    route(api, {
      method: 'GET', url: '/api/compliance', tags: ['grades'], access: { permission: 'grades:read' },
      summary: 'Hygienic-city verdict of a scope and period under a certification profile',
      query: ComplianceQuerySchema, response: { 200: z.looseObject({ profile: z.unknown(), outcome: z.string(), checks: z.array(z.unknown()), grades: z.unknown() }) },
      async handler(req, { query }) {
        if (!deps.grading.profileIds().includes(query.profile))
          throw new ApiError('VALIDATION_FAILED', `query.profile: unknown profile '${query.profile}' (known: ${deps.grading.profileIds().join(', ')})`, {
            issues: [{ path: 'query.profile', message: `one of ${deps.grading.profileIds().join(', ')}` }],
          });
        const { scope, period } = scopeAndPeriod(req, query, deps.timeZone);
        return deps.grading.compliance(scope, period, query.profile, { evidenceIds: query.evidence === 'ids' });
      },
    });
  };
}
