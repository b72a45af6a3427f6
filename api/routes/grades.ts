/**
 * Grades over HTTP (issue 3): `GET /api/grades?scope=district:yuexiu&period=2026-11` answers, per vector, every
 * indicator with numerator, denominator, sample size, limits, level and ratio to the C limit, the worst-of vector
 * level, the dengue bands and the evidence counts (`evidence=ids` lists the devices and surveys). The engine
 * computes (rules/engine/grading.ts); this module only parses, checks tenancy and answers.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RuleError } from '../../rules/errors.ts';
import type { Grading } from '../../rules/engine/grading.ts';
import type { Scope } from '../../rules/engine/density/grade-scope.ts';
import { parsePeriod, parseScope } from '../../rules/engine/scope-period.ts';
import type { Period } from '../../rules/periods.ts';
import type { ApiContext } from '../build-app.ts';
import { assertInScope, scopeFilter } from '../access.ts';
import { ApiError } from '../errors.ts';
import { route } from '../route.ts';

export interface GradeRouteDeps {
  grading: Grading;
  timeZone: string;
}

export const GradesQuerySchema = z.strictObject({
  scope: z.string().min(1).describe('city, district:<id> or site:<id>'),
  period: z.string().min(1).describe('2026-11, 2026-W47, 2026-11-22, or from..to (local dates, or ISO instants with offset)'),
  evidence: z.enum(['counts', 'ids']).default('counts'),
});

/** Parses scope and period, 400 naming the query field; then tenancy (404 for an id out of scope). */
export function scopeAndPeriod(req: FastifyRequest, query: { scope: string; period: string }, timeZone: string): { scope: Scope; period: Period } {
  const field = (name: 'scope' | 'period', fn: () => Scope | Period) => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof RuleError) throw new ApiError('VALIDATION_FAILED', `query.${name}: ${err.message}`, { issues: [{ path: `query.${name}`, message: err.message }] });
      throw err;
    }
  };
  const scope = field('scope', () => parseScope(query.scope)) as Scope;
  const period = field('period', () => parsePeriod(query.period, timeZone)) as Period;
  if (scope.level === 'city') {
    if (!('all' in scopeFilter(req))) throw new ApiError('FORBIDDEN', 'city-wide grades need a city-wide scope; ask for a district or site');
  } else assertInScope(req, scope.level, scope.id);
  return { scope, period };
}

export function gradeRoutes(deps: GradeRouteDeps): (api: FastifyInstance, ctx: ApiContext) => void {
  return (api) => {
    route(api, {
      method: 'GET', url: '/api/grades', tags: ['grades'], access: { permission: 'grades:read' },
      summary: 'Indicators, grades (A/B/C) and dengue bands of a scope and period',
      query: GradesQuerySchema, response: { 200: z.looseObject({ scope: z.unknown(), period: z.unknown(), vectors: z.array(z.unknown()), dengue: z.array(z.unknown()) }) },
      async handler(req, { query }) {
        const { scope, period } = scopeAndPeriod(req, query, deps.timeZone);
        const { report } = await deps.grading.grades(scope, period, { evidenceIds: query.evidence === 'ids' });
        return report;
      },
    });
  };
}
