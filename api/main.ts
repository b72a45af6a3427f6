/**
 * The HTTP API alone: `node api/main.ts`. Serves the registry and dead letters from DATA_DIR and checks InfluxDB at
 * INFLUX_URL for /health. Broker and ingest run elsewhere and report through their own processes.
 */
import { join, resolve } from 'node:path';
import { Registry as MetricsRegistry, collectDefaultMetrics } from 'prom-client';
import { createInfluxHttp } from '../platform/influx-http.ts';
import { openDatabase } from '../platform/sqlite.ts';
import { runService } from '../platform/run-service.ts';
import { openRegistry } from '../registry/registry.ts';
import { createDeadLetterStore } from '../ingest/dead-letters.ts';
import { buildApp } from './build-app.ts';
import { collectHealth } from './routes/health.ts';

await runService('api', async (config, logger) => {
  if (!config.ADMIN_TOKEN) throw new Error('ADMIN_TOKEN: required when the API runs on its own');
  if (!config.INFLUX_URL) throw new Error('INFLUX_URL: required when the API runs on its own');
  const db = openDatabase(join(resolve(config.DATA_DIR), 'vectorwatch.db'));
  const registry = openRegistry(db);
  const influx = createInfluxHttp({ url: config.INFLUX_URL, db: config.INFLUX_DB, token: config.INFLUX_TOKEN });
  const metrics = new MetricsRegistry();
  collectDefaultMetrics({ register: metrics, prefix: 'vectorwatch_process_' });
  const app = await buildApp({
    registry,
    adminToken: config.ADMIN_TOKEN,
    metrics,
    logger,
    deadLetters: createDeadLetterStore(db, { limit: config.DEAD_LETTER_LIMIT }),
    health: () =>
      collectHealth({
        influxdb: async () => ({ status: (await influx.ping()) ? 'up' : 'down' }),
        registry: () => ({ status: 'up', devices: registry.countDevices() }),
      }),
  });
  await app.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
  return {
    async close() {
      await app.close();
      db.close();
    },
  };
});
