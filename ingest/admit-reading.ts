/**
 * The acceptance point of ingest (issue 6): decides one raw message and says when it may be acknowledged.
 *
 * decode → dedupe → to line protocol → spool.append, and the returned promise resolves:
 * - `accepted` once the reading is durable in the spool (fdatasync'd with its group);
 * - `refused` once the rejection's dead-letter row is committed (batched per event-loop turn) and the error
 *   message to the device handed to MQTT;
 * - `duplicate` once the first copy is durable (a redelivery of a reading still being written waits for it);
 * - `ignored` at once (no device to tell: wrong topic, or a bug, logged at ERROR).
 * It rejects only when the spool cannot take an accepted reading (full at close, failed disk): the message must
 * then stay unacknowledged, so MQTT delivers it again. Whoever acknowledges (the broker hook in embedded mode, the
 * MQTT source in mqtt mode) acknowledges after this promise and never before.
 *
 * Nothing waits on one device: error publishes run detached, and one device's bad traffic costs the others nothing
 * but CPU.
 */
import type { DeviceErrorMessage, Issue } from '../contracts/device-errors.ts';
import { markValidated } from '../contracts/telemetry-handoff.ts';
import type { DeviceDirectory } from '../contracts/registry.ts';
import type { Logger } from '../platform/logger.ts';
import { createDeadLetterWriter } from './dead-letter-writer.ts';
import type { DeadLetterCode, DeadLetterStore } from './dead-letters.ts';
import { decodeTelemetry, type IngestLimits } from './decode-telemetry.ts';
import type { SeqDeduper } from './dedupe.ts';
import type { IncomingMessage } from './incoming-message.ts';
import type { IngestMetrics } from './metrics.ts';
import type { Spool } from './spool/spool.ts';
import { encodeSpooledReading, type SpooledReading } from './spooled-reading.ts';
import { toLineProtocol } from './to-point.ts';
import type { WarnLimiter } from './warn-limiter.ts';

export type Admission = 'accepted' | 'duplicate' | 'refused' | 'ignored';

export interface AdmitDeps {
  directory: DeviceDirectory;
  spool: Spool;
  dedupe: SeqDeduper;
  deadLetters: DeadLetterStore;
  publishError(deviceId: string, m: DeviceErrorMessage): Promise<void>;
  clock: () => number;
  limits: IngestLimits;
  logger: Logger;
  metrics: IngestMetrics;
  warnLimiter: WarnLimiter;
}

export interface AdmissionCounts {
  received: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  ignored: number;
}

export interface Admitter {
  admit(msg: IncomingMessage): Promise<Admission>;
  counts(): AdmissionCounts;
}

export function createAdmitter(deps: AdmitDeps): Admitter {
  const { metrics, logger, dedupe, spool } = deps;
  const counts: AdmissionCounts = { received: 0, accepted: 0, rejected: 0, duplicates: 0, ignored: 0 };
  /** Readings on their way to disk, by `device seq ts`: a redelivery arriving meanwhile waits for the first copy. */
  const writing = new Map<string, Promise<void>>();
  const deadLetters = createDeadLetterWriter(deps.deadLetters, { logger, skipped: metrics.deadLettersSkipped, clock: deps.clock });

  function ignore(reason: 'WRONG_TOPIC' | 'INTERNAL_ERROR'): Admission {
    counts.ignored++;
    metrics.ignored.inc({ reason });
    return 'ignored';
  }

  function reject(msg: IncomingMessage, deviceId: string, rejection: DeviceErrorMessage): Promise<void> {
    counts.rejected++;
    metrics.rejected.inc({ code: rejection.code });
    const { receivedAtMs, topic, payload } = msg;
    const recorded = deadLetters.write({ receivedAtMs, deviceId, topic, code: rejection.code, message: rejection.message, issues: rejection.issues, payload });
    const unsent = (err: unknown) => logger.debug({ err, deviceId, code: rejection.code }, 'could not tell the device about a rejection');
    try {
      deps.publishError(deviceId, rejection).catch(unsent);
    } catch (err) {
      unsent(err);
    }
    if (deps.warnLimiter.allow(`${rejection.code}:${deviceId}`)) {
      const fields = { deviceId, code: rejection.code, seq: rejection.seq, reason: rejection.message };
      logger.warn(fields, 'reading rejected (same device and code: next warning in a minute at the earliest)');
    } else {
      logger.trace({ deviceId, code: rejection.code, seq: rejection.seq }, 'reading rejected');
    }
    return recorded;
  }

  type Step = { done: Admission } | { refused: Promise<void> } | { duplicateOf: Promise<void> | undefined } | { append: Buffer; spooled: SpooledReading; key: string; deviceId: string; seq: number; tsMs: number };

  /** Everything up to the disk write; synchronous, so a bug here is one INTERNAL_ERROR, never a stuck message. */
  function classify(msg: IncomingMessage): Step {
    const decoded = decodeTelemetry(msg, { directory: deps.directory, nowMs: deps.clock(), limits: deps.limits });
    if (!decoded.ok) {
      if ('ignored' in decoded) {
        logger.debug({ topic: decoded.topic, reason: decoded.ignored }, 'message ignored');
        return { done: ignore(decoded.ignored) };
      }
      return { refused: reject(msg, decoded.deviceId, decoded.rejection) };
    }
    const { reading, device, tsMs } = decoded;
    const key = `${device.id} ${reading.seq} ${tsMs}`;
    if (dedupe.seen(device.id, reading.seq, tsMs)) {
      counts.duplicates++;
      metrics.duplicates.inc();
      logger.trace({ deviceId: device.id, seq: reading.seq }, 'duplicate reading');
      return { duplicateOf: writing.get(key) };
    }
    markValidated(msg.payload, reading); // the in-process rules engine takes it instead of decoding again
    const line = toLineProtocol(reading, device, tsMs);
    // The registry's strings (equal to the reading's: decodeTelemetry checked the kind), shared by every reading of the
    // device, rather than the copies JSON.parse made of this payload: the spooled reading lives until InfluxDB answers.
    const spooled: SpooledReading = { deviceId: device.id, kind: device.kind, seq: reading.seq, tsMs, line };
    return { append: encodeSpooledReading(spooled), spooled, key, deviceId: device.id, seq: reading.seq, tsMs };
  }

  return {
    async admit(msg) {
      counts.received++;
      metrics.received.inc();
      let step: Step;
      try {
        step = classify(msg);
      } catch (err) {
        logger.error({ err, topic: msg.topic }, 'message lost: unexpected error in the pipeline');
        return ignore('INTERNAL_ERROR');
      }
      if ('done' in step) return step.done;
      if ('refused' in step) {
        await step.refused;
        return 'refused';
      }
      if ('duplicateOf' in step) {
        await step.duplicateOf; // rejects if the first copy could not be written: then neither is acknowledged
        return 'duplicate';
      }
      const durable = spool.append(step.append, step.spooled); // the feeder takes it instead of decoding the payload
      writing.set(step.key, durable);
      try {
        await durable;
      } catch (err) {
        dedupe.forget(step.deviceId, step.seq, step.tsMs); // its redelivery is a new chance, not a duplicate
        throw err;
      } finally {
        writing.delete(step.key);
      }
      counts.accepted++;
      metrics.accepted.inc();
      if (logger.isLevelEnabled('trace')) logger.trace({ deviceId: step.deviceId, seq: step.seq }, 'reading accepted');
      return 'accepted';
    },
    counts: () => ({ ...counts }),
  };
}

export function deadLetter(
  deps: { deadLetters: DeadLetterStore; logger: Logger },
  msg: Pick<IncomingMessage, 'receivedAtMs' | 'topic' | 'payload'>,
  deviceId: string,
  code: DeadLetterCode,
  message: string,
  issues: Issue[],
): void {
  try {
    deps.deadLetters.add({ receivedAtMs: msg.receivedAtMs, deviceId, topic: msg.topic, code, message, issues, payload: msg.payload });
  } catch (err) {
    // The drop is still counted; only its evidence is lost.
    deps.logger.error({ err, deviceId, code }, 'dead-letter store failed');
  }
}
