/** Liveness and state of every component, and Prometheus metrics. Unauthenticated: no secrets, counts only. */
import type { FastifyInstance } from 'fastify';
import type { Registry as MetricsRegistry } from 'prom-client';
import { contractJsonSchemas } from '../../contracts/json-schema.ts';

export type ComponentState = 'up' | 'down' | 'degraded';
export interface ComponentHealth {
  status: ComponentState;
  [detail: string]: unknown;
}
export interface HealthReport {
  status: 'ok' | 'degraded';
  components: Record<string, ComponentHealth>;
}

/** Combines component checks: any component not `up` makes the whole report degraded (HTTP 503). */
export async function collectHealth(checks: Record<string, () => ComponentHealth | Promise<ComponentHealth>>): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        return [name, await check()] as const;
      } catch (err) {
        return [name, { status: 'down' as const, error: (err as Error).message }] as const;
      }
    }),
  );
  const components = Object.fromEntries(entries);
  const ok = entries.every(([, c]) => c.status === 'up');
  return { status: ok ? 'ok' : 'degraded', components };
}

export function healthRoutes(app: FastifyInstance, deps: { health: () => Promise<HealthReport>; metrics: MetricsRegistry }): void {
  app.get('/health', async (_req, reply) => {
    const report = await deps.health();
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });
  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.metrics();
    return reply.type(deps.metrics.contentType).send(text);
  });
  const contract = contractJsonSchemas();
  app.get('/contract/v1', async () => contract);
}
