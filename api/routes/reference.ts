/** Districts, contractors and sites (read-only for now; managed in the seed data and, later, by the office). */
import type { FastifyInstance } from 'fastify';
import type { Registry } from '../../registry/registry.ts';

export function referenceRoutes(app: FastifyInstance, deps: { registry: Registry }): void {
  app.get('/api/districts', async () => ({ districts: deps.registry.listDistricts() }));
  app.get('/api/contractors', async () => ({ contractors: deps.registry.listContractors() }));
  app.get('/api/sites', async () => ({ sites: deps.registry.listSites() }));
}
