/**
 * Convenience for composition roots (stack/start-stack.ts, ingest/main.ts): opens the spool in DATA_DIR/spool,
 * builds the InfluxDB sink, dead-letter and completeness stores around createIngest and starts feeding InfluxDB.
 *
 * Two modes (INGEST_MODE, docs/durability.md):
 * - `embedded`: no MQTT client; the broker in this process calls `admit` from its telemetry hook and acknowledges
 *   the device after it resolves. `publishError` publishes through that broker.
 * - `mqtt`: consumes `devices/+/telemetry` from the broker at `mqtt.url` as `svc:ingest` with a persistent session,
 *   and releases each PUBACK once `admit` has decided the message.
 * Either way InfluxDB may be down at start: readings wait in the spool.
 */
import { join, resolve } from 'node:path';
import type { Registry } from 'prom-client';
import type { Config } from '../contracts/config.ts';
import type { DeviceErrorMessage } from '../contracts/device-errors.ts';
import type { DeviceDirectory } from '../contracts/registry.ts';
import type { InfluxHttp } from '../platform/influx-http.ts';
import type { Logger } from '../platform/logger.ts';
import type { DatabaseSync } from '../platform/sqlite.ts';
import { backoffDelayMs } from './backoff.ts';
import { createCompletenessReader, createCompletenessTracker, type CompletenessReader } from './completeness-store.ts';
import { createIngest, type Admission, type IngestStats } from './create-ingest.ts';
import { createDeadLetterStore, type DeadLetterStore } from './dead-letters.ts';
import type { IncomingMessage } from './incoming-message.ts';
import { createInfluxSink } from './influx-sink.ts';
import { createIngestMetrics, type IngestMetrics } from './metrics.ts';
import { createMqttSource, type MqttSource } from './mqtt-source.ts';
import { openSpool, type SpoolStats } from './spool/spool.ts';
import { startStatsReporter } from './stats-reporter.ts';
import { replayDeadLetter, type ReplayOutcome } from './replay-dead-letter.ts';

/** Broker principal (username and clientId) of the ingest service; the broker's ACL knows it by this name. */
export const INGEST_PRINCIPAL = 'svc:ingest';

/** How long a graceful stop keeps feeding InfluxDB before leaving the rest in the spool for the next start. */
const DEFAULT_DRAIN_MS = 5_000;
/** How long a graceful stop in mqtt mode waits for undecided messages before disconnecting. */
const SETTLE_MS = 2_000;

export interface StartIngestConfig {
  influx: InfluxHttp;
  directory: DeviceDirectory;
  db: DatabaseSync;
  config: Config;
  logger: Logger;
  registry: Registry;
  /** mqtt mode: the broker to consume from. Omit for embedded mode. */
  mqtt?: { url: string; servicePassword: string };
  /** Embedded mode: how a refusal reaches the device (the in-process broker publishes it). */
  publishError?: (deviceId: string, m: DeviceErrorMessage) => Promise<void>;
  /** Default DATA_DIR/spool. */
  spoolDir?: string;
  /** Default Date.now. */
  clock?: () => number;
}

export interface IngestHealth {
  status: 'up' | 'degraded' | 'down';
  reason?: 'spool_full' | 'spool_failed' | 'broker_disconnected';
  mode: 'embedded' | 'mqtt';
  spool: SpoolStats;
  [detail: string]: unknown;
}

export interface RunningIngest {
  mode: 'embedded' | 'mqtt';
  deadLetters: DeadLetterStore;
  completeness: CompletenessReader;
  metrics: IngestMetrics;
  /** Embedded mode's entry point; see admit-reading.ts for what the promise means. */
  admit(msg: IncomingMessage): Promise<Admission>;
  /** Re-runs a dead letter through validation after a fix (replay-dead-letter.ts). */
  replay(id: number): Promise<ReplayOutcome>;
  stats(): IngestStats;
  health(): IngestHealth;
  /** mqtt mode: the MQTT session is up. Embedded: always true. */
  connected(): boolean;
  /**
   * Stops accepting, lets undecided messages settle, feeds InfluxDB for up to `drainMs` (default 5 s), then closes
   * the spool: what InfluxDB has not taken yet stays on disk for the next start. Call once.
   */
  close(opts?: { drainMs?: number }): Promise<void>;
}

/**
 * Waits until InfluxDB answers /ping, then runs `CREATE DATABASE` (idempotent in 1.x). A refusal is logged and
 * tolerated: InfluxDB 2.x/3.x serve the v1 API through a DBRP mapping the operator creates instead.
 */
async function ensureDatabase(influx: InfluxHttp, logger: Logger, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; !(await influx.ping(2000)); attempt++) {
    if (signal.aborted) return;
    if (attempt % 10 === 0) logger.warn({ url: influx.target.url, attempt }, 'InfluxDB not reachable yet; readings wait in the spool');
    await new Promise((r) => setTimeout(r, backoffDelayMs(attempt, { initialMs: 200, maxMs: 5000 })));
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
  const mode = cfg.mqtt ? 'mqtt' : 'embedded';
  const metrics = createIngestMetrics(cfg.registry);
  const spool = await openSpool({
    dir: cfg.spoolDir ?? join(resolve(config.DATA_DIR), 'spool'),
    maxBytes: config.SPOOL_MAX_BYTES,
    segmentBytes: config.SPOOL_SEGMENT_BYTES,
    logger,
    onCommit: (seconds) => metrics.spoolCommitSeconds.observe(seconds),
  });
  metrics.bindSpool(spool.stats);

  const deadLetters = createDeadLetterStore(cfg.db, { limit: config.DEAD_LETTER_LIMIT });
  const completeness = createCompletenessTracker(cfg.db, {
    timeZone: config.TIME_ZONE,
    onGaps: (opened, filled) => {
      if (opened > 0) metrics.seqGaps.inc(opened);
      if (filled > 0) metrics.seqGapsFilled.inc(filled);
    },
  });
  const sink = createInfluxSink({
    http: cfg.influx,
    batchSize: config.INGEST_BATCH_SIZE,
    flushIntervalMs: config.INGEST_FLUSH_INTERVAL_MS,
    maxBatchesInFlight: config.INGEST_WRITES_IN_FLIGHT,
    logger,
    metrics,
  });
  let source: MqttSource | undefined;
  if (cfg.mqtt) {
    source = createMqttSource({
      url: cfg.mqtt.url,
      username: INGEST_PRINCIPAL,
      password: cfg.mqtt.servicePassword,
      // Each worker of a share group keeps its own session, so each needs its own client id.
      clientId: config.INGEST_CLIENT_ID ?? INGEST_PRINCIPAL,
      shareGroup: config.INGEST_SHARE_GROUP,
      logger,
      clock,
    });
  }
  const publishError = source?.publishError ?? cfg.publishError ?? (() => Promise.reject(new Error('no way to reach devices')));
  const ingest = createIngest({
    directory: cfg.directory,
    spool,
    sink,
    deadLetters,
    publishError,
    clock,
    limits: {
      maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
      maxFutureSkewMs: config.INGEST_MAX_FUTURE_SKEW_MS,
      maxAgeMs: config.INGEST_MAX_AGE_MS,
    },
    logger,
    metrics,
    completeness,
    prepareStore: (signal) => ensureDatabase(cfg.influx, logger, signal),
  });
  const statsReporter = await startStatsReporter({ influx: cfg.influx, metrics, intervalMs: config.INGEST_STATS_INTERVAL_MS, logger, clock });
  const feeding = ingest.feed().catch((err: unknown) => logger.error({ err }, 'feeding InfluxDB from the spool stopped unexpectedly'));
  const consuming = source
    ? ingest.consume(source.messages).catch((err: unknown) => logger.error({ err }, 'ingest stopped consuming unexpectedly'))
    : Promise.resolve();
  logger.info({ mode, mqttUrl: cfg.mqtt?.url, db: cfg.influx.target.db, spool: spool.stats() }, 'ingest started');

  let closing: Promise<void> | undefined;
  return {
    mode,
    deadLetters,
    completeness: createCompletenessReader(cfg.db),
    metrics,
    admit: (msg) => ingest.admit(msg),
    replay: (id) => replayDeadLetter(id, { deadLetters, admit: (msg) => ingest.admit(msg), clock }),
    stats: ingest.stats,
    health() {
      const s = spool.stats();
      const base = { mode, spool: s, ...ingest.stats() } as const;
      if (s.failed) return { status: 'down', reason: 'spool_failed', ...base };
      if (source && !source.connected()) return { status: 'down', reason: 'broker_disconnected', ...base };
      if (s.full) return { status: 'degraded', reason: 'spool_full', ...base };
      return { status: 'up', ...base };
    },
    connected: () => source?.connected() ?? true,
    close(opts = {}) {
      closing ??= (async () => {
        if (source) {
          // Still connected: PUBACKs of messages decided meanwhile can go out. The rest is redelivered later.
          await Promise.race([ingest.settled(), new Promise((r) => setTimeout(r, SETTLE_MS))]);
          await source.close();
          await consuming;
        } else {
          await ingest.settled();
        }
        const drained = await ingest.stopFeeding(opts.drainMs ?? DEFAULT_DRAIN_MS);
        await spool.close();
        await feeding;
        completeness.flush();
        await statsReporter.close();
        metrics.bindSpool(undefined);
        const stats = ingest.stats();
        if (drained) logger.info(stats, 'ingest stopped; everything accepted is in InfluxDB');
        else logger.warn(stats, 'ingest stopped; readings not yet in InfluxDB stay in the spool for the next start');
      })();
      return closing;
    },
  };
}
