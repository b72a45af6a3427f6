/**
 * The HTTP API alone: `node api/main.ts`. Serves the registry, people, alerts, audit and dead letters from DATA_DIR,
 * readings from INFLUX_URL, and live updates from the broker at MQTT_URL as `svc:api` (when MQTT_SERVICE_PASSWORD
 * is set). Broker, ingest and rules run elsewhere and report through their own processes.
 */
import { join, resolve } from 'node:path';
import { Registry as MetricsRegistry, collectDefaultMetrics } from 'prom-client';
import { createInfluxHttp } from '../platform/influx-http.ts';
import { openDatabase } from '../platform/sqlite.ts';
import { runService } from '../platform/run-service.ts';
import { openRegistry } from '../registry/registry.ts';
import { openUserStore } from '../registry/users.ts';
import { openSessionStore } from '../registry/sessions.ts';
import { openTokenStore } from '../registry/tokens.ts';
import { openAuditLog } from '../registry/audit.ts';
import { createDeadLetterStore } from '../ingest/dead-letters.ts';
import { createAlertStore } from '../rules/alerts/alert-store.ts';
import { createAlertManager } from '../rules/alerts/lifecycle.ts';
import { loadCertificationProfiles } from '../rules/certification-profiles.ts';
import { loadPacks } from '../rules/load-packs.ts';
import { loadAlertPolicy } from '../rules/engine/alert-policy.ts';
import { gradingPacks } from '../rules/engine/density/grade-scope.ts';
import { createDayPartialsStore } from '../rules/engine/density/day-partials-store.ts';
import { createGrading } from '../rules/engine/grading.ts';
import { createSurveyStore } from '../rules/surveys/survey-store.ts';
import { createCompletenessReader } from '../ingest/completeness-store.ts';
import { buildApp } from './build-app.ts';
import { surveyRoutes } from './routes/surveys.ts';
import { gradeRoutes } from './routes/grades.ts';
import { complianceRoutes } from './routes/compliance.ts';
import { completenessRoutes } from './routes/completeness.ts';
import { connectLiveFeed, createLiveFeed } from './live-feed.ts';
import { collectHealth } from './routes/health.ts';

await runService('api', async (config, logger) => {
  if (!config.ADMIN_TOKEN) throw new Error('ADMIN_TOKEN: required when the API runs on its own');
  if (!config.INFLUX_URL) throw new Error('INFLUX_URL: required when the API runs on its own');
  const db = openDatabase(join(resolve(config.DATA_DIR), 'vectorwatch.db'));
  const registry = openRegistry(db);
  const influx = createInfluxHttp({ url: config.INFLUX_URL, db: config.INFLUX_DB, token: config.INFLUX_TOKEN });
  const metrics = new MetricsRegistry();
  collectDefaultMetrics({ register: metrics, prefix: 'vectorwatch_process_' });
  const alertStore = createAlertStore(db);
  const liveFeed = createLiveFeed({ directory: registry });
  const mqttUrl = config.MQTT_URL ?? `mqtt://127.0.0.1:${config.MQTT_PORT}`;
  const live = config.MQTT_SERVICE_PASSWORD
    ? connectLiveFeed({ url: mqttUrl, servicePassword: config.MQTT_SERVICE_PASSWORD, feed: liveFeed, logger })
    : undefined;
  if (!live) logger.warn('MQTT_SERVICE_PASSWORD unset: the live page gets no updates from the broker');
  // Grades are computed on demand from InfluxDB and the survey store, the same way the rules service does.
  const packs = loadPacks(config.RULE_PACKS_DIR !== undefined ? { localDir: config.RULE_PACKS_DIR } : {});
  const surveys = createSurveyStore(db);
  const dayStore = createDayPartialsStore(db);
  const grading = createGrading({
    influx, registry, surveys, packs: gradingPacks(packs), profiles: loadCertificationProfiles(),
    timeZone: config.TIME_ZONE, nightWindow: loadAlertPolicy(config.RULES_POLICY_FILE).lampNight, dayStore,
  });
  const tz = config.TIME_ZONE;
  const app = await buildApp({
    secureCookie: config.PUBLIC_URL?.startsWith('https:') ?? false,
    registry,
    adminToken: config.ADMIN_TOKEN,
    metrics,
    logger,
    users: openUserStore(db),
    sessions: openSessionStore(db),
    tokens: openTokenStore(db),
    audit: openAuditLog(db),
    // Alert transitions made here are published by the rules service's outbox (undispatched events), not from this process.
    alerts: { store: alertStore, manager: createAlertManager({ store: alertStore, clock: Date.now, publish: [], logger }) },
    influx,
    liveFeed,
    routes: [
      surveyRoutes({ store: surveys, timeZone: tz }),
      gradeRoutes({ grading, timeZone: tz }),
      complianceRoutes({ grading, timeZone: tz }),
      completenessRoutes({ completeness: createCompletenessReader(db), timeZone: tz }),
    ],
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
      await live?.close();
      await dayStore.close();
      db.close();
    },
  };
});
