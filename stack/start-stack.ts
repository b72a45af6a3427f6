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
import { listenBroker } from '../broker/listen.ts';
import { startIngest } from '../ingest/start-ingest.ts';
import { buildApp } from '../api/build-app.ts';
import { collectHealth } from '../api/routes/health.ts';

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
  httpUrl: string;
  adminToken: string;
  adminTokenGenerated: boolean;
  servicePassword: string;
  metrics: MetricsRegistry;
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

    const broker = await createBroker({ devices: registry, servicePassword, logger: logger.child({ component: 'broker' }), metrics });
    closers.push(() => broker.close());
    const listener = await listenBroker(broker, { host: config.MQTT_HOST, port: config.MQTT_PORT });
    closers.push(() => listener.close());
    const mqttUrl = `mqtt://127.0.0.1:${listener.port}`;

    let ingest: Stack['ingest'];
    const ingestDeps = {
      mqttUrl,
      servicePassword,
      influx,
      directory: registry,
      db,
      config,
      logger: logger.child({ component: 'ingest' }),
      registry: metrics,
    };
    const stack: Stack = {
      config, registry, influx, localInfluxd, broker, mqttUrl, mqttPort: listener.port, httpUrl: '', adminToken,
      adminTokenGenerated, servicePassword, metrics, ingest: undefined,
      async stopIngest() {
        const running = ingest;
        ingest = undefined;
        stack.ingest = undefined;
        await running?.close();
      },
      async startIngest() {
        if (ingest) return;
        ingest = await startIngest(ingestDeps);
        stack.ingest = ingest;
      },
      close: closeAll,
    };
    await stack.startIngest();
    closers.push(() => stack.stopIngest());

    const app = await buildApp({
      registry,
      adminToken,
      metrics,
      logger,
      deadLetters: {
        list: (q) => (ingest ?? stack.ingest)?.deadLetters.list(q) ?? [],
        count: () => (ingest ?? stack.ingest)?.deadLetters.count() ?? 0,
      },
      health: () =>
        collectHealth({
          broker: () => ({ status: 'up', clients: broker.connectedClients(), url: mqttUrl }),
          ingest: () => (ingest ? { status: ingest.connected() ? 'up' : 'down', ...ingest.stats() } : { status: 'down', reason: 'stopped' }),
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
