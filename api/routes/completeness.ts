/**
 * `GET /api/devices/:id/completeness?from=YYYY-MM-DD&to=YYYY-MM-DD`: per local day (TIME_ZONE), how many of a
 * device's readings arrived out of those its `seq` says it sent (issue 6; ingest/completeness.ts explains seq epochs
 * and what "expected" can and cannot see). Read from SQLite, where ingest records every reading that reached
 * InfluxDB. Tenancy: a device outside the caller's scope is 404.
 *
 * Wiring (composition root): `routes: [completenessRoutes({ completeness: createCompletenessReader(db), timeZone })]`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CompletenessReader } from '../../ingest/completeness-store.ts';
import { localDay } from '../../ingest/completeness.ts';
import { assertInScope } from '../access.ts';
import type { ApiContext } from '../build-app.ts';
import { ApiError } from '../errors.ts';
import { route } from '../route.ts';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD');
const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

const ParamsSchema = z.strictObject({ id: z.string().min(1).max(64) });
const QuerySchema = z.strictObject({
  from: Day.optional().describe('first local day, inclusive; default 6 days before `to`'),
  to: Day.optional().describe('last local day, inclusive; default today'),
});
const DaySchema = z.strictObject({
  day: z.string(),
  received: z.number().int().describe('readings that reached InfluxDB (each seq once)'),
  expected: z.number().int().describe('seqs from the lowest to the highest received, per seq epoch'),
  missing: z.number().int().describe('expected − received'),
  gaps: z.number().int().describe('holes between received runs of seqs'),
  epochs: z.number().int().describe('seq epochs (a counter reset or restart starts a new one)'),
});
const ResponseSchema = z.strictObject({
  deviceId: z.string(),
  timeZone: z.string(),
  from: z.string(),
  to: z.string(),
  totals: z.strictObject({ received: z.number().int(), expected: z.number().int(), missing: z.number().int(), gaps: z.number().int() }),
  days: z.array(DaySchema).describe('days on which the device sent anything, oldest first'),
});

export interface CompletenessRouteDeps {
  completeness: CompletenessReader;
  timeZone: string;
}

const dayIndex = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;

export function completenessRoutes(deps: CompletenessRouteDeps): (api: FastifyInstance, ctx: ApiContext) => void {
  return (api, ctx) => {
    route(api, {
      method: 'GET', url: '/api/devices/:id/completeness', tags: ['devices'], access: { permission: 'devices:read' },
      summary: 'Per local day: readings received, expected from the device seq, missing, and gaps',
      params: ParamsSchema, query: QuerySchema, response: { 200: ResponseSchema },
      async handler(req, { params, query }) {
        assertInScope(req, 'device', params.id);
        const to = query.to ?? localDay(ctx.clock(), deps.timeZone);
        const from = query.from ?? new Date((dayIndex(to) - 6) * DAY_MS).toISOString().slice(0, 10);
        const span = dayIndex(to) - dayIndex(from);
        if (!(span >= 0 && span < MAX_DAYS)) {
          const message = `from must not be after to, and the range at most ${MAX_DAYS} days`;
          throw new ApiError('VALIDATION_FAILED', `query.from: ${message}`, { issues: [{ path: 'query.from', message }] });
        }
        const days = deps.completeness.days(params.id, from, to);
        const totals = { received: 0, expected: 0, missing: 0, gaps: 0 };
        for (const d of days) {
          totals.received += d.received;
          totals.expected += d.expected;
          totals.missing += d.missing;
          totals.gaps += d.gaps;
        }
        return { deviceId: params.id, timeZone: deps.timeZone, from, to, totals, days };
      },
    });
  };
}
