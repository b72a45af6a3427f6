/**
 * Wires the pipeline: source → decode → dedupe → toPoint → sink. No sockets of its own: every collaborator is
 * injected (STYLE principles 1, 2), so tests drive it with an in-memory source and a real InfluxDB.
 *
 * Per message, exactly one outcome, each counted:
 * - valid and new → written (`stored_total{kind}` once InfluxDB acknowledges it);
 * - valid, already seen → `duplicates_total`, not written again;
 * - refused → `rejected_total{code}`, a dead-letter row, and an error message to the device;
 * - InfluxDB refuses a valid reading (4xx) → `rejected_total{code="STORE_REJECTED"}` and a dead-letter row
 *   (not the device's fault: it is not told);
 * - no device to tell (bad topic) or a bug → `ignored_total{reason}`.
 * Nothing here throws on a message, and nothing waits on one device: error publishes and writes run detached.
 */
import type { DeviceErrorMessage, Issue } from '../contracts/device-errors.ts';
import type { DeviceDirectory } from '../contracts/registry.ts';
import { InfluxWriteError } from '../platform/influx-http.ts';
import type { Logger } from '../platform/logger.ts';
import type { DeadLetterCode, DeadLetterStore } from './dead-letters.ts';
import { decodeTelemetry, type IngestLimits } from './decode-telemetry.ts';
import { createSeqDeduper, type SeqDeduper } from './dedupe.ts';
import type { IncomingMessage } from './incoming-message.ts';
import type { InfluxSink } from './influx-sink.ts';
import type { IngestMetrics } from './metrics.ts';
import { toLineProtocol } from './to-point.ts';
import { createWarnLimiter } from './warn-limiter.ts';

export interface IngestDeps {
  source: AsyncIterable<IncomingMessage>;
  directory: DeviceDirectory;
  sink: InfluxSink;
  deadLetters: DeadLetterStore;
  publishError(deviceId: string, m: DeviceErrorMessage): Promise<void>;
  clock: () => number;
  limits: IngestLimits;
  logger: Logger;
  metrics: IngestMetrics;
  /** Default: createSeqDeduper() with its defaults. */
  dedupe?: SeqDeduper;
}

/** Counts since this pipeline was created, for /health. */
export interface IngestStats {
  received: number;
  stored: number;
  rejected: number;
  duplicates: number;
  ignored: number;
  /** points queued or in flight to InfluxDB */
  pending: number;
}

export interface Ingest {
  /** Consumes the source until it ends, then waits until every accepted reading has been written or refused. */
  run(): Promise<void>;
  stats(): IngestStats;
}

const WARN_INTERVAL_MS = 60_000;
const MAX_STORE_ERROR_TEXT = 500;

export function createIngest(deps: IngestDeps): Ingest {
  const { sink, metrics, logger, deadLetters } = deps;
  const dedupe = deps.dedupe ?? createSeqDeduper();
  const warnLimiter = createWarnLimiter({ intervalMs: WARN_INTERVAL_MS, clock: deps.clock });
  const counts = { received: 0, stored: 0, rejected: 0, duplicates: 0, ignored: 0 };

  // Writes settle after the message loop has moved on; run() waits for all of them before returning.
  let unsettled = 0;
  let onIdle: (() => void) | undefined;
  const track = (p: Promise<void>) => {
    unsettled++;
    void p.finally(() => {
      if (--unsettled === 0) onIdle?.();
    });
  };

  function ignore(reason: 'WRONG_TOPIC' | 'INTERNAL_ERROR'): void {
    counts.ignored++;
    metrics.ignored.inc({ reason });
  }

  function deadLetter(msg: IncomingMessage, deviceId: string, code: DeadLetterCode, message: string, issues: Issue[]): void {
    try {
      deadLetters.add({ receivedAtMs: msg.receivedAtMs, deviceId, topic: msg.topic, code, message, issues, payload: msg.payload });
    } catch (err) {
      // The drop is still counted; only its evidence is lost.
      logger.error({ err, deviceId, code }, 'dead-letter store failed');
    }
  }

  function reject(msg: IncomingMessage, deviceId: string, rejection: DeviceErrorMessage): void {
    counts.rejected++;
    metrics.rejected.inc({ code: rejection.code });
    deadLetter(msg, deviceId, rejection.code, rejection.message, rejection.issues);
    const unsent = (err: unknown) => logger.debug({ err, deviceId, code: rejection.code }, 'could not tell the device about a rejection');
    try {
      deps.publishError(deviceId, rejection).catch(unsent);
    } catch (err) {
      unsent(err);
    }
    if (warnLimiter.allow(`${rejection.code}:${deviceId}`)) {
      const fields = { deviceId, code: rejection.code, seq: rejection.seq, reason: rejection.message };
      logger.warn(fields, 'reading rejected (same device and code: next warning in a minute at the earliest)');
    } else {
      logger.trace({ deviceId, code: rejection.code, seq: rejection.seq }, 'reading rejected');
    }
  }

  function storeFailed(msg: IncomingMessage, deviceId: string, err: unknown): void {
    if (err instanceof InfluxWriteError && err.failure === 'rejected') {
      counts.rejected++;
      metrics.rejected.inc({ code: 'STORE_REJECTED' });
      deadLetter(msg, deviceId, 'STORE_REJECTED', err.message.slice(0, MAX_STORE_ERROR_TEXT), []);
      if (warnLimiter.allow(`STORE_REJECTED:${deviceId}`)) {
        logger.error({ deviceId, err: err.message }, 'InfluxDB refused a valid reading; dead-lettered as STORE_REJECTED');
      }
      return;
    }
    ignore('INTERNAL_ERROR');
    logger.error({ err, deviceId }, 'reading lost: the sink failed unexpectedly');
  }

  function handle(msg: IncomingMessage): void {
    const decoded = decodeTelemetry(msg, { directory: deps.directory, nowMs: deps.clock(), limits: deps.limits });
    if (!decoded.ok) {
      if ('ignored' in decoded) {
        ignore(decoded.ignored);
        logger.debug({ topic: decoded.topic, reason: decoded.ignored }, 'message ignored');
        return;
      }
      reject(msg, decoded.deviceId, decoded.rejection);
      return;
    }
    const { reading, device, tsMs } = decoded;
    if (dedupe.seen(device.id, reading.seq, tsMs)) {
      counts.duplicates++;
      metrics.duplicates.inc();
      logger.trace({ deviceId: device.id, seq: reading.seq }, 'duplicate reading');
      return;
    }
    const line = toLineProtocol(reading, device, tsMs);
    logger.trace({ deviceId: device.id, seq: reading.seq }, 'reading accepted');
    track(
      sink.write(line).then(
        () => {
          counts.stored++;
          metrics.stored.inc({ kind: reading.kind });
        },
        (err: unknown) => storeFailed(msg, device.id, err),
      ),
    );
  }

  return {
    async run() {
      for await (const msg of deps.source) {
        counts.received++;
        metrics.received.inc();
        try {
          handle(msg);
        } catch (err) {
          ignore('INTERNAL_ERROR');
          logger.error({ err, topic: msg.topic }, 'message lost: unexpected error in the pipeline');
        }
      }
      await sink.flush();
      if (unsettled > 0) await new Promise<void>((resolve) => (onIdle = resolve));
    },
    stats: () => ({ ...counts, pending: sink.pending() }),
  };
}
