/**
 * Composes the whole pipeline in one process: registry, InfluxDB (given or a local influxd), broker, ingest, HTTP
 * API and optionally the simulated fleet. Used by `npm start` (main.ts) and by the end-to-end test harness, so the
 * tests exercise exactly what users run. Each service can also run alone (broker/main.ts, ingest/main.ts, api/main.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Registry as MetricsRegistry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../contracts/config.ts';
import type { Logger } from '../platform/logger.ts';
import { openDatabase } from '../platform/sqlite.ts';
import { createInfluxHttp, type InfluxHttp } from '../platform/influx-http.ts';
import { startInfluxd, type LocalInfluxd } from '../platform/influxd.ts';
import { openRegistry, type Registry } from '../registry/registry.ts';
import { loadDemoReference } from '../registry/seed.ts';
import { createBroker, type VectorBroker } from '../broker/create-broker.ts';
import { listenMqtt, type MqttListeners } from '../broker/listen-mqtt.ts';
import { createBrokerLimits } from '../broker/limits/broker-limits.ts';
import { brokerLimitsFromConfig } from '../broker/limits/limits-config.ts';
import { startIngest } from '../ingest/start-ingest.ts';
import { publishFromBroker, type AcceptTelemetry, type TelemetryVerdict } from '../broker/telemetry-gate.ts';
import { deviceTopic } from '../contracts/topics.ts';
import { buildApp } from '../api/build-app.ts';
import { collectHealth } from '../api/routes/health.ts';
import { connectLiveFeed, createLiveFeed, type LiveFeed } from '../api/live-feed.ts';
import { openUserStore, type UserStore } from '../registry/users.ts';
import { openSessionStore } from '../registry/sessions.ts';
import { openTokenStore, type TokenStore } from '../registry/tokens.ts';
import { openAuditLog, type AuditLog } from '../registry/audit.ts';
import { createAlertStore, type AlertStore } from '../rules/alerts/alert-store.ts';
import type { AlertManager } from '../rules/alerts/lifecycle.ts';
import { createRulesService, type RulesService } from '../rules/engine/rules-service.ts';
import { surveyRoutes } from '../api/routes/surveys.ts';
import { gradeRoutes } from '../api/routes/grades.ts';
import { complianceRoutes } from '../api/routes/compliance.ts';
import { completenessRoutes } from '../api/routes/completeness.ts';
import { createCompletenessReader } from '../ingest/completeness-store.ts';
import { ReplayError } from '../ingest/replay-dead-letter.ts';
import { createInProcessFeed } from '../rules/engine/in-process-feed.ts';
import { ApiError } from '../api/errors.ts';

export interface StackOptions {
  config: Config;
  logger: Logger;
  /** Seed the demo districts, contractors and sites (demo mode). */
  seedDemo: boolean;
  /** Receives influxd's own log lines (default: dropped). */
  onInfluxdOutput?: (line: string) => void;
}

export interface Stack {
  config: Config;
  registry: Registry;
  influx: InfluxHttp;
  localInfluxd: LocalInfluxd | undefined;
  broker: VectorBroker;
  mqttUrl: string;
  mqttPort: number;
  /** Plain MQTT (loopback unless MQTT_ALLOW_PLAIN=public), and mqtts/wss when a certificate is configured. */
  mqttListeners: MqttListeners;
  httpUrl: string;
  adminToken: string;
  adminTokenGenerated: boolean;
  servicePassword: string;
  metrics: MetricsRegistry;
  /** People, API tokens and the audit log (issue 4). */
  users: UserStore;
  tokens: TokenStore;
  audit: AuditLog;
  /** Alert state and lifecycle; the API acknowledges and resolves through `manager`. */
  alerts: { store: AlertStore; manager: AlertManager };
  /** Readings and alert changes fanned out to live pages (svc:api's broker subscription). */
  liveFeed: LiveFeed;
  /** Rule packs, surveys, grading, and the rules engine (`rules.stop()` / `rules.start()` restart it alone). */
  rules: RulesService;
  ingest: Awaited<ReturnType<typeof startIngest>> | undefined;
  /** Stops ingest only (broker keeps its persistent session, so readings queue up). */
  stopIngest(): Promise<void>;
  startIngest(): Promise<void>;
  /** Stops everything in dependency order, the local influxd last. */
  close(): Promise<void>;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const { config, logger } = opts;
  const dataDir = resolve(config.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (err) {
        logger.warn({ err }, 'error while stopping');
      }
    }
  };

  try {
    const db = openDatabase(join(dataDir, 'vectorwatch.db'));
    closers.push(() => db.close());
    const registry = openRegistry(db);
    if (opts.seedDemo) registry.upsertReference(loadDemoReference());
    const users = openUserStore(db);
    const sessions = openSessionStore(db);
    const tokens = openTokenStore(db);
    const audit = openAuditLog(db);
    const alertStore = createAlertStore(db);

    let localInfluxd: LocalInfluxd | undefined;
    let influxUrl = config.INFLUX_URL;
    if (!influxUrl) {
      localInfluxd = await startInfluxd({ dataDir: join(dataDir, 'influxdb'), ...(opts.onInfluxdOutput ? { onOutput: opts.onInfluxdOutput } : {}) });
      closers.push(() => localInfluxd?.stop());
      influxUrl = localInfluxd.url;
    }
    const influx = createInfluxHttp({ url: influxUrl, db: config.INFLUX_DB, token: config.INFLUX_TOKEN });
    // ingest creates the database (CREATE DATABASE, tolerated when a 2.x/3.x DBRP mapping stands in for it).

    const metrics = new MetricsRegistry();
    collectDefaultMetrics({ register: metrics, prefix: 'vectorwatch_process_' });
    const servicePassword = config.MQTT_SERVICE_PASSWORD ?? randomBytes(24).toString('base64url');
    const adminTokenGenerated = config.ADMIN_TOKEN === undefined;
    const adminToken = config.ADMIN_TOKEN ?? randomBytes(24).toString('base64url');

    const brokerLogger = logger.child({ component: 'broker' });
    const limits = createBrokerLimits(brokerLimitsFromConfig(config), { logger: brokerLogger, metrics });
    // INGEST_MODE=embedded: ingest decides each telemetry PUBLISH before the broker acknowledges it (docs/durability.md).
    const embedded = config.INGEST_MODE === 'embedded';
    let ingest: Stack['ingest'];
    let ingestStarting: Promise<Stack['ingest']> | undefined;
    const admitWith = (running: NonNullable<Stack['ingest']>, topic: string, payload: Buffer) =>
      running.admit({ topic, payload, receivedAtMs: Date.now() }).then((admission): TelemetryVerdict => {
        if (admission !== 'accepted') return 'withhold';
        rulesFeed?.push(topic, payload); // device rules see each durable reading once, without a second MQTT hop
        return 'forward';
      });
    // Not an async function: one promise per reading fewer on the path every reading takes (issue 7).
    const acceptTelemetry: AcceptTelemetry = (_deviceId, topic, payload) => {
      if (ingest) return admitWith(ingest, topic, payload);
      return Promise.resolve(ingestStarting).then((running) => {
        if (!running) throw new Error('ingest is stopped'); // the device keeps the reading and sends it again
        return admitWith(running, topic, payload);
      });
    };
    // In one process the rules engine takes readings from ingest directly (rules/engine/in-process-feed.ts).
    const rulesFeed = embedded ? createInProcessFeed({ logger: logger.child({ component: 'rules' }) }) : undefined;
    const broker = await createBroker({
      devices: registry, servicePassword, logger: brokerLogger, metrics, limits, ...(embedded ? { acceptTelemetry } : {}),
    });
    closers.push(() => broker.close());
    const mqttListeners = await listenMqtt(broker, config, brokerLogger);
    closers.push(() => mqttListeners.close());
    const listener = mqttListeners.plain;
    const mqttUrl = `mqtt://127.0.0.1:${listener.port}`;
    // The alert manager and its publishers are shared by the rules engine and the API (rules/engine/rules-service.ts).
    const rules = await createRulesService({
      config, db, registry, influx, mqttUrl, servicePassword, alertStore, logger: logger.child({ component: 'rules' }), metrics,
      telemetryFeed: rulesFeed,
    });
    closers.push(() => rules.close());
    const alertManager = rules.manager;

    const ingestDeps = {
      ...(embedded
        ? { publishError: (id: string, m: unknown) => publishFromBroker(broker.aedes, deviceTopic(id, 'errors'), JSON.stringify(m)) }
        : { mqtt: { url: mqttUrl, servicePassword } }),
      influx,
      directory: registry,
      db,
      config,
      logger: logger.child({ component: 'ingest' }),
      registry: metrics,
    };
    const stack: Stack = {
      config, registry, influx, localInfluxd, broker, mqttUrl, mqttPort: listener.port, mqttListeners, httpUrl: '', adminToken,
      adminTokenGenerated, servicePassword, metrics, users, tokens, audit, alerts: { store: alertStore, manager: alertManager },
      liveFeed: createLiveFeed({ directory: registry }), rules, ingest: undefined,
      async stopIngest() {
        const running = ingest;
        ingest = undefined;
        stack.ingest = undefined;
        await running?.close();
      },
      async startIngest() {
        if (ingest) return;
        ingestStarting = startIngest(ingestDeps);
        ingest = await ingestStarting.finally(() => (ingestStarting = undefined));
        stack.ingest = ingest;
      },
      close: closeAll,
    };
    await stack.startIngest();
    closers.push(async () => {
      if (embedded) await mqttListeners.close(); // devices first: nothing is accepted while ingest flushes and closes
      await stack.stopIngest();
    });
    await rules.start();
    closers.push(() => rules.stop());

    const live = connectLiveFeed({ url: mqttUrl, servicePassword, feed: stack.liveFeed, logger });
    closers.push(() => live.close());
    const app = await buildApp({
      secureCookie: config.PUBLIC_URL?.startsWith('https:') ?? false,
      registry,
      adminToken,
      metrics,
      logger,
      users,
      sessions,
      tokens,
      audit,
      alerts: stack.alerts,
      influx,
      liveFeed: stack.liveFeed,
      routes: [
        surveyRoutes({ store: rules.surveys, timeZone: config.TIME_ZONE, onCreated: () => rules.requestEvaluation() }),
        gradeRoutes({ grading: rules.grading, timeZone: config.TIME_ZONE }),
        complianceRoutes({ grading: rules.grading, timeZone: config.TIME_ZONE }),
        completenessRoutes({ completeness: createCompletenessReader(db), timeZone: config.TIME_ZONE }),
      ],
      deadLetters: {
        replay: async (id) => {
          if (!ingest) throw new ApiError('UNAVAILABLE', 'ingest is stopped; replay it when ingest runs');
          try {
            return await ingest.replay(id);
          } catch (err) {
            if (err instanceof ReplayError) throw new ApiError(err.code, err.message);
            throw err;
          }
        },
        list: (q) => (ingest ?? stack.ingest)?.deadLetters.list(q) ?? [],
        count: () => (ingest ?? stack.ingest)?.deadLetters.count() ?? 0,
      },
      health: () =>
        collectHealth({
          broker: () => ({ status: 'up', clients: broker.connectedClients(), url: mqttUrl }),
          ingest: () => (ingest ? ingest.health() : { status: 'down', reason: 'stopped' }),
          influxdb: async () => ({ status: (await influx.ping()) ? 'up' : 'down', url: influxUrl }),
          registry: () => ({ status: 'up', devices: registry.countDevices() }),
        }),
      onDeviceChanged: (device, change) => {
        if (change !== 'enabled') broker.disconnectDevice(device.id);
      },
    });
    closers.push(() => app.close());
    await app.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
    const addr = app.server.address();
    const httpPort = typeof addr === 'object' && addr ? addr.port : config.HTTP_PORT;
    stack.httpUrl = `http://${config.HTTP_HOST.includes(':') ? `[${config.HTTP_HOST}]` : config.HTTP_HOST}:${httpPort}`;
    return stack;
  } catch (err) {
    await closeAll();
    throw err;
  }
}
