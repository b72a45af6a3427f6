/**
 * The HTTP surface as a not-yet-listening fastify instance (STYLE principle 1: app vs server): the JSON API under
 * /api with roles and tenancy (api/access.ts), its OpenAPI document at /docs, the live page at /live/, and the
 * unauthenticated /health, /metrics and /contract/v1.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { Device } from '../contracts/registry.ts';
import type { InfluxHttp } from '../platform/influx-http.ts';
import type { Logger } from '../platform/logger.ts';
import type { AuditLog } from '../registry/audit.ts';
import type { Registry } from '../registry/registry.ts';
import type { SessionStore } from '../registry/sessions.ts';
import type { TokenStore } from '../registry/tokens.ts';
import type { UserStore } from '../registry/users.ts';
import type { AlertStore } from '../rules/alerts/alert-store.ts';
import type { AlertManager } from '../rules/alerts/lifecycle.ts';
import { createTenancy, installAccessControl, type Location } from './access.ts';
import { createAuditTrail, installAuditFallback, type AuditTrail } from './audit-trail.ts';
import { createAuthenticator } from './authenticate.ts';
import { installErrorHandlers } from './errors.ts';
import type { LiveFeed } from './live-feed.ts';
import { livePageRoutes } from './live-page.ts';
import { useZodSchemas } from './route.ts';
import { alertRoutes } from './routes/alerts.ts';
import { auditRoutes } from './routes/audit.ts';
import { deadLetterRoutes, type DeadLetterReader } from './routes/dead-letters.ts';
import { deviceRoutes } from './routes/devices.ts';
import { healthRoutes, type HealthReport } from './routes/health.ts';
import { liveRoutes } from './routes/live.ts';
import { readingRoutes } from './routes/readings.ts';
import { referenceRoutes } from './routes/reference.ts';
import { sessionRoutes } from './routes/session.ts';
import { userRoutes } from './routes/users.ts';

/** What route modules written elsewhere (grades, compliance, surveys, completeness) receive. */
export interface ApiContext {
  deps: AppDeps;
  audit: AuditTrail;
  clock: () => number;
}

export interface AppDeps {
  registry: Registry;
  /** The admin machine credential (Bearer), e.g. for the simulator's provisioning. */
  adminToken: string;
  metrics: MetricsRegistry;
  health: () => Promise<HealthReport>;
  deadLetters: DeadLetterReader;
  logger: Logger;
  users: UserStore;
  sessions: SessionStore;
  tokens: TokenStore;
  audit: AuditLog;
  alerts: { store: Pick<AlertStore, 'list' | 'get' | 'events'>; manager: Pick<AlertManager, 'acknowledge' | 'resolve' | 'comment'> };
  influx: InfluxHttp;
  liveFeed: LiveFeed;
  onDeviceChanged?: ((device: Device, change: 'rotated' | 'disabled' | 'enabled') => void) | undefined;
  /** Epoch ms; default Date.now. */
  clock?: (() => number) | undefined;
  /** `Secure` session cookies (serve over HTTPS or behind a TLS proxy). Default false: loopback HTTP. */
  secureCookie?: boolean | undefined;
  /** Overrides when a device counts as silent on the live page (tests). */
  silentAfterMs?: number | undefined;
  /** More /api route modules; each route must declare `config.access` (api/access.ts) or registration fails. */
  routes?: readonly ((api: FastifyInstance, ctx: ApiContext) => void)[] | undefined;
}

const NOWHERE: Location = { districtIds: [], contractorIds: [] };

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const clock = deps.clock ?? Date.now;
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'api' }) as FastifyBaseLogger,
    // One debug line per request instead of fastify's two info lines: the console stays quiet (STYLE principle 9).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024,
    return503OnClosing: true,
    // Router-level failures (a malformed %-escape in the path, …) get the same error shape as everything else.
    frameworkErrors: (err, _req, reply) => {
      void (reply as FastifyReply).code(400).send({ code: 'VALIDATION_FAILED', message: `bad request URL: ${err.message}`, details: null });
    },
  });
  useZodSchemas(app);
  installErrorHandlers(app);
  app.decorateRequest('principal', null);
  app.decorateRequest('tenancy', null);
  app.decorateRequest('audited', false);
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, url: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  app.addHook('onSend', async (_req, reply) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'same-origin');
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'VectorWatch API',
        version: '1',
        description:
          'Errors: `{code, message, details}` with stable codes. Authenticate with `Authorization: Bearer <token>` (API token or ADMIN_TOKEN) or the session cookie from `POST /api/session`; cookie-session mutations need `X-CSRF-Token`. See docs/api.md.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'vw_session' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  healthRoutes(app, { health: deps.health, metrics: deps.metrics });
  livePageRoutes(app);

  const { registry } = deps;
  const sitesOf = (contractorId: string) => registry.listSites().filter((s) => s.contractorId === contractorId);
  const tenancy = createTenancy({
    sitesOf,
    locate: {
      device: (id) => {
        const d = registry.getDevice(id);
        return d && { districtIds: [d.districtId], contractorIds: [d.contractorId] };
      },
      site: (id) => {
        const s = registry.getSite(id);
        return s && { districtIds: [s.districtId], contractorIds: [s.contractorId] };
      },
      district: (id) => {
        if (!registry.listDistricts().some((d) => d.id === id)) return undefined;
        return { districtIds: [id], contractorIds: [...new Set(registry.listSites().filter((s) => s.districtId === id).map((s) => s.contractorId))] };
      },
      contractor: (id) => {
        if (!registry.listContractors().some((c) => c.id === id)) return undefined;
        return { districtIds: [...new Set(sitesOf(id).map((s) => s.districtId))], contractorIds: [id] };
      },
      alert: (id) => {
        const a = deps.alerts.store.get(id);
        if (!a) return undefined;
        const site = a.siteId ? registry.getSite(a.siteId) : undefined;
        return { districtIds: [a.districtId], contractorIds: site ? [site.contractorId] : [] };
      },
      user: (id) => (deps.users.get(id) ? NOWHERE : undefined),
      token: (id) => (deps.tokens.get(id) ? NOWHERE : undefined),
      dead_letter: () => NOWHERE,
    },
  });
  const audit = createAuditTrail(deps.audit, clock);
  const authenticate = createAuthenticator({ adminToken: deps.adminToken, users: deps.users, sessions: deps.sessions, tokens: deps.tokens, clock });

  await app.register(async (api) => {
    installAccessControl(api, { tenancy, authenticate });
    installAuditFallback(api, audit);
    sessionRoutes(api, { users: deps.users, sessions: deps.sessions, audit, clock, secureCookie: deps.secureCookie ?? false });
    userRoutes(api, { users: deps.users, sessions: deps.sessions, tokens: deps.tokens, audit, clock });
    deviceRoutes(api, { registry, audit, onDeviceChanged: deps.onDeviceChanged });
    referenceRoutes(api, { registry });
    readingRoutes(api, { registry, influx: deps.influx, clock });
    alertRoutes(api, { store: deps.alerts.store, manager: deps.alerts.manager, audit, onAlertChanged: (a) => deps.liveFeed.alertChanged(a) });
    auditRoutes(api, { log: deps.audit });
    deadLetterRoutes(api, { deadLetters: deps.deadLetters });
    liveRoutes(api, { registry, influx: deps.influx, feed: deps.liveFeed, clock, silentAfterMs: deps.silentAfterMs });
    for (const routes of deps.routes ?? []) routes(api, { deps, audit, clock });
  });
  return app;
}
