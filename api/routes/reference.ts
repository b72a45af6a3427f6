/** Districts, contractors and sites in the caller's scope (managed in the seed data for now). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ContractorSchema, DistrictSchema, SiteSchema, type Site } from '../../contracts/registry.ts';
import { RefIdParamsSchema } from '../../contracts/api/queries.ts';
import type { Registry } from '../../registry/registry.ts';
import { scopeFilter } from '../access.ts';
import { route } from '../route.ts';

/** Sites the caller sees. */
export function sitesInScope(req: FastifyRequest, registry: Registry): Site[] {
  const scope = scopeFilter(req);
  const sites = registry.listSites();
  if ('all' in scope) return sites;
  if ('contractorId' in scope) return sites.filter((s) => s.contractorId === scope.contractorId);
  return sites.filter((s) => scope.districtIds.includes(s.districtId));
}

export function referenceRoutes(app: FastifyInstance, deps: { registry: Registry }): void {
  const { registry } = deps;
  const read = (type: 'district' | 'contractor' | 'site') => ({ permission: 'reference:read', resource: { type, param: 'id' } }) as const;

  route(app, {
    method: 'GET', url: '/api/districts', tags: ['reference'], access: { permission: 'reference:read' },
    summary: 'Districts I see (a contractor: those where it serves a site)',
    response: { 200: z.strictObject({ districts: z.array(DistrictSchema) }) },
    async handler(req) {
      const scope = scopeFilter(req);
      const ids = new Set('all' in scope ? [] : scope.districtIds); // a contractor's: the districts of its sites
      return { districts: registry.listDistricts().filter((d) => 'all' in scope || ids.has(d.id)) };
    },
  });
  route(app, {
    method: 'GET', url: '/api/districts/:id', tags: ['reference'], access: read('district'), summary: 'One district',
    params: RefIdParamsSchema, response: { 200: DistrictSchema },
    handler: async (_req, { params }) => registry.listDistricts().find((d) => d.id === params.id),
  });

  route(app, {
    method: 'GET', url: '/api/contractors', tags: ['reference'], access: { permission: 'reference:read' },
    summary: 'Contractors I see (an office: those serving its districts; a contractor: itself)',
    response: { 200: z.strictObject({ contractors: z.array(ContractorSchema) }) },
    async handler(req) {
      const ids = new Set(sitesInScope(req, registry).map((s) => s.contractorId));
      const scope = scopeFilter(req);
      if ('contractorId' in scope) ids.add(scope.contractorId);
      return { contractors: registry.listContractors().filter((c) => 'all' in scope || ids.has(c.id)) };
    },
  });
  route(app, {
    method: 'GET', url: '/api/contractors/:id', tags: ['reference'], access: read('contractor'), summary: 'One contractor',
    params: RefIdParamsSchema, response: { 200: ContractorSchema },
    handler: async (_req, { params }) => registry.listContractors().find((c) => c.id === params.id),
  });

  route(app, {
    method: 'GET', url: '/api/sites', tags: ['reference'], access: { permission: 'reference:read' }, summary: 'Sites I see',
    query: z.strictObject({ districtId: z.string().optional(), contractorId: z.string().optional() }),
    response: { 200: z.strictObject({ sites: z.array(SiteSchema) }) },
    handler: async (req, { query }) => ({
      sites: sitesInScope(req, registry).filter(
        (s) => (!query.districtId || s.districtId === query.districtId) && (!query.contractorId || s.contractorId === query.contractorId),
      ),
    }),
  });
  route(app, {
    method: 'GET', url: '/api/sites/:id', tags: ['reference'], access: read('site'), summary: 'One site',
    params: RefIdParamsSchema, response: { 200: SiteSchema },
    handler: async (_req, { params }) => registry.getSite(params.id),
  });
}
