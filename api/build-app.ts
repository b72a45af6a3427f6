/**
 * The HTTP surface as a not-yet-listening fastify instance (STYLE principle 1: app vs server).
 * Everything under /api is admin-only until issue 4 brings roles and tenancy.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { Logger } from '../platform/logger.ts';
import type { Registry } from '../registry/registry.ts';
import type { Device } from '../contracts/registry.ts';
import { createAdminGuard } from './auth.ts';
import { installErrorHandlers } from './errors.ts';
import { deviceRoutes } from './routes/devices.ts';
import { referenceRoutes } from './routes/reference.ts';
import { deadLetterRoutes, type DeadLetterReader } from './routes/dead-letters.ts';
import { healthRoutes, type HealthReport } from './routes/health.ts';

export interface AppDeps {
  registry: Registry;
  adminToken: string;
  metrics: MetricsRegistry;
  health: () => Promise<HealthReport>;
  deadLetters: DeadLetterReader;
  logger: Logger;
  onDeviceChanged?: (device: Device, change: 'rotated' | 'disabled' | 'enabled') => void;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'api' }) as FastifyBaseLogger,
    // One debug line per request instead of fastify's two info lines: the console stays quiet (STYLE principle 9).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024,
    return503OnClosing: true,
  });
  installErrorHandlers(app);
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, url: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  healthRoutes(app, { health: deps.health, metrics: deps.metrics });

  await app.register(async (api) => {
    const guard = createAdminGuard(deps.adminToken);
    api.addHook('onRequest', async (req) => guard(req));
    deviceRoutes(api, { registry: deps.registry, ...(deps.onDeviceChanged ? { onDeviceChanged: deps.onDeviceChanged } : {}) });
    referenceRoutes(api, { registry: deps.registry });
    deadLetterRoutes(api, { deadLetters: deps.deadLetters });
  });
  return app;
}
