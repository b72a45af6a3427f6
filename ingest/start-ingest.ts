/**
 * Convenience for composition roots (stack/start-stack.ts, a future ingest/main.ts): builds the real sink,
 * dead-letter store and MQTT source around createIngest and starts consuming. Returns a handle whose `close`
 * stops consuming, flushes the sink and disconnects (the broker keeps the session: readings published while
 * ingest is stopped are delivered when it starts again).
 */
import type { Registry } from 'prom-client';
import type { Config } from '../contracts/config.ts';
import type { DeviceDirectory } from '../contracts/registry.ts';
import type { InfluxHttp } from '../platform/influx-http.ts';
import type { Logger } from '../platform/logger.ts';
import type { DatabaseSync } from '../platform/sqlite.ts';
import { backoffDelayMs, sleep } from './backoff.ts';
import { createIngest, type IngestStats } from './create-ingest.ts';
import { createDeadLetterStore, type DeadLetterStore } from './dead-letters.ts';
import { createInfluxSink } from './influx-sink.ts';
import { createIngestMetrics, type IngestMetrics } from './metrics.ts';
import { createMqttSource } from './mqtt-source.ts';

/** Broker principal (username and clientId) of the ingest service; the broker's ACL knows it by this name. */
export const INGEST_PRINCIPAL = 'svc:ingest';

export interface StartIngestConfig {
  mqttUrl: string;
  servicePassword: string;
  influx: InfluxHttp;
  directory: DeviceDirectory;
  db: DatabaseSync;
  config: Config;
  logger: Logger;
  registry: Registry;
  /** Default Date.now. */
  clock?: () => number;
}

export interface RunningIngest {
  deadLetters: DeadLetterStore;
  metrics: IngestMetrics;
  stats(): IngestStats;
  /** True while the MQTT session is up. */
  connected(): boolean;
  /** Stops consuming, flushes the sink (waits while InfluxDB is away), disconnects. Call once. */
  close(): Promise<void>;
}

/**
 * Waits until InfluxDB answers /ping, then runs `CREATE DATABASE` (idempotent in 1.x). A refusal is logged and
 * tolerated: InfluxDB 2.x/3.x serve the v1 API through a DBRP mapping the operator creates instead.
 */
async function ensureDatabase(influx: InfluxHttp, logger: Logger): Promise<void> {
  for (let attempt = 0; !(await influx.ping(2000)); attempt++) {
    if (attempt % 10 === 0) logger.warn({ url: influx.target.url, attempt }, 'InfluxDB not reachable yet; waiting');
    await sleep(backoffDelayMs(attempt, { initialMs: 200, maxMs: 5000 }));
  }
  const name = influx.target.db.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  try {
    await influx.exec(`CREATE DATABASE "${name}"`);
  } catch (err) {
    logger.warn({ err: (err as Error).message, db: influx.target.db }, 'CREATE DATABASE refused; assuming it exists');
  }
}

export async function startIngest(cfg: StartIngestConfig): Promise<RunningIngest> {
  const { config, logger } = cfg;
  const clock = cfg.clock ?? Date.now;
  const metrics = createIngestMetrics(cfg.registry);
  await ensureDatabase(cfg.influx, logger);

  const deadLetters = createDeadLetterStore(cfg.db, { limit: config.DEAD_LETTER_LIMIT });
  const sink = createInfluxSink({
    http: cfg.influx,
    batchSize: config.INGEST_BATCH_SIZE,
    flushIntervalMs: config.INGEST_FLUSH_INTERVAL_MS,
    logger,
    metrics,
  });
  const source = createMqttSource({
    url: cfg.mqttUrl,
    username: INGEST_PRINCIPAL,
    password: cfg.servicePassword,
    clientId: INGEST_PRINCIPAL,
    logger,
    clock,
  });
  const ingest = createIngest({
    source: source.messages,
    directory: cfg.directory,
    sink,
    deadLetters,
    publishError: source.publishError,
    clock,
    limits: {
      maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
      maxFutureSkewMs: config.INGEST_MAX_FUTURE_SKEW_MS,
      maxAgeMs: config.INGEST_MAX_AGE_MS,
    },
    logger,
    metrics,
  });
  const running = ingest.run().catch((err: unknown) => {
    logger.error({ err }, 'ingest pipeline stopped unexpectedly');
  });
  logger.info({ mqttUrl: cfg.mqttUrl, db: cfg.influx.target.db }, 'ingest started');

  return {
    deadLetters,
    metrics,
    stats: ingest.stats,
    connected: source.connected,
    async close() {
      await source.close();
      await running;
      await sink.close();
      logger.info(ingest.stats(), 'ingest stopped');
    },
  };
}
