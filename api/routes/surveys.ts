/**
 * Field surveys over HTTP (issue 3): `POST /api/surveys` stores one survey (201 with its id; 400 naming the field,
 * e.g. `body.roomsWithSigns`), `GET /api/surveys?siteId=&districtId=&kind=&from=&to=` lists them newest first.
 * Surveys feed the grading engine (rules/engine/grading.ts) next to the sensors. Tenancy (api/access.ts): a caller
 * writes and reads surveys of the districts and sites in its scope only; every survey is audited.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SurveyInputSchema, SurveyQuerySchema, type Survey } from '../../contracts/survey.ts';
import { periodFromLabel } from '../../rules/periods.ts';
import type { SurveyFilter, SurveyStore } from '../../rules/surveys/survey-store.ts';
import type { ApiContext } from '../build-app.ts';
import { actorOf, assertInScope, scopeFilter } from '../access.ts';
import { ApiError } from '../errors.ts';
import { route } from '../route.ts';

export interface SurveyRouteDeps {
  store: SurveyStore;
  /** Deployment time zone: `from`/`to` given as local dates are cut here. */
  timeZone: string;
  /** Called after a survey is stored, e.g. to re-evaluate the density indicators soon. */
  onCreated?: ((survey: Survey) => void) | undefined;
}

const SurveyResponseSchema = z.looseObject({ id: z.string(), kind: z.string(), districtId: z.string(), surveyedAt: z.string(), createdAt: z.string(), createdBy: z.string() });

/** `YYYY-MM-DD` → start of that local day (`to`: start of the next day, so the day is included); ISO instants as given. */
function bound(text: string | undefined, which: 'from' | 'to', timeZone: string): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    try {
      const day = periodFromLabel(text, timeZone);
      return which === 'from' ? day.startMs : day.endMs;
    } catch {
      // fall through to the error below
    }
  }
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || !/(Z|[+-]\d{2}:\d{2})$/.test(text))
    throw new ApiError('VALIDATION_FAILED', `query.${which}: expected a local date YYYY-MM-DD or an ISO instant with an offset`, {
      issues: [{ path: `query.${which}`, message: 'expected YYYY-MM-DD or ISO-8601 with offset' }],
    });
  return ms;
}

function listScoped(req: FastifyRequest, store: SurveyStore, filter: SurveyFilter): Survey[] {
  const scope = scopeFilter(req);
  const limit = filter.limit ?? 100;
  let out: Survey[];
  if ('all' in scope || filter.siteId !== undefined) out = store.list(filter);
  else if ('contractorId' in scope) out = scope.siteIds.flatMap((siteId) => store.list({ ...filter, siteId }));
  else out = (filter.districtId ? [filter.districtId] : scope.districtIds).flatMap((districtId) => store.list({ ...filter, districtId }));
  return out.sort((a, b) => (a.surveyedAt < b.surveyedAt ? 1 : a.surveyedAt > b.surveyedAt ? -1 : 0)).slice(0, limit);
}

export function surveyRoutes(deps: SurveyRouteDeps): (api: FastifyInstance, ctx: ApiContext) => void {
  return (api, ctx) => {
    route(api, {
      method: 'POST', url: '/api/surveys', tags: ['surveys'], access: { permission: 'surveys:write' },
      summary: 'Record a field survey (rooms, proofing, path walk, dips, landing, Breteau, ovitraps…)',
      body: SurveyInputSchema, response: { 201: SurveyResponseSchema },
      async handler(req, { body }, reply) {
        assertInScope(req, 'district', body.districtId);
        if (body.siteId !== undefined) {
          assertInScope(req, 'site', body.siteId);
          const site = ctx.deps.registry.getSite(body.siteId);
          if (site && site.districtId !== body.districtId)
            throw new ApiError('VALIDATION_FAILED', `body.siteId: site ${body.siteId} is in district ${site.districtId}, not ${body.districtId}`, {
              issues: [{ path: 'body.siteId', message: `site is in district ${site.districtId}` }],
            });
        }
        const survey = deps.store.add(body, { createdBy: actorOf(req), atMs: ctx.clock() });
        ctx.audit.record(req, { action: 'survey.create', targetType: 'survey', targetId: survey.id, districtId: survey.districtId, siteId: survey.siteId ?? null, after: survey });
        deps.onCreated?.(survey);
        return reply.code(201).send(survey);
      },
    });

    route(api, {
      method: 'GET', url: '/api/surveys', tags: ['surveys'], access: { permission: 'surveys:read' },
      summary: 'Field surveys in my scope, newest first; filter by site, district, kind and time (from inclusive, to exclusive)',
      query: SurveyQuerySchema, response: { 200: z.strictObject({ surveys: z.array(SurveyResponseSchema) }) },
      async handler(req, { query }) {
        if (query.districtId) assertInScope(req, 'district', query.districtId);
        if (query.siteId) assertInScope(req, 'site', query.siteId);
        const filter: SurveyFilter = {
          districtId: query.districtId, siteId: query.siteId, kind: query.kind, limit: query.limit,
          fromMs: bound(query.from, 'from', deps.timeZone), toMs: bound(query.to, 'to', deps.timeZone),
        };
        return { surveys: listScoped(req, deps.store, filter) };
      },
    });
  };
}
