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
import { decodeTelemetry, type DecodeContext, type IngestLimits } from './decode-telemetry.ts';
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

/**
 * A valid, new reading from classify to its durable append; while on its way to disk it is also in `writing`, so a
 * redelivery arriving meanwhile finds it and waits for it. One object per accepted reading for both jobs.
 */
interface Accepted {
  spooled: SpooledReading;
  /** The spool record's payload (spooled-reading.ts). */
  payload: Buffer;
  /** Set once appended. */
  durable: Promise<void> | undefined;
  /** The device's next older and next newer readings on their way to disk, if any (a list: unlinked in O(1)). */
  older: Accepted | undefined;
  newer: Accepted | undefined;
  /** Its device's entry in `writing`, once appended. */
  device: InFlight | undefined;
}

/** A device's readings on their way to disk, newest first. */
interface InFlight {
  newest: Accepted | undefined;
}

/** Devices kept in `writing` with nothing in flight before they are swept out (one sweep per this many new). */
const MAX_IDLE_DEVICES = 10_000;

type Step = Accepted | { done: Admission } | { refused: Promise<void> } | { duplicateOf: Promise<void> | undefined };

export function createAdmitter(deps: AdmitDeps): Admitter {
  const { metrics, logger, dedupe, spool } = deps;
  const { tally } = metrics;
  const counts: AdmissionCounts = { received: 0, accepted: 0, rejected: 0, duplicates: 0, ignored: 0 };
  /**
   * Readings on their way to disk, by device id: a redelivery arriving meanwhile waits for the first copy. Keyed by
   * the id alone (the registry's string, its hash computed once) rather than a `device seq ts` string built and hashed
   * per reading (~0.9 µs, bench/micro/admit.ts): a device has a few readings in flight (dozens when the stack is
   * saturated), and a redelivery, the only search, is rare. A device's entry stays while it is idle (no Map insert
   * and delete per reading); idle ones are swept out when `MAX_IDLE_DEVICES` more have come.
   */
  const writing = new Map<string, InFlight>();
  let sweepAt = MAX_IDLE_DEVICES;
  /** Reused for every message: decodeTelemetry is synchronous and keeps nothing of it. */
  const decodeContext: DecodeContext = { directory: deps.directory, nowMs: 0, limits: deps.limits };
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

  /** The first copy of (device, seq, ts) still on its way to disk, if any. */
  function inFlight(deviceId: string, seq: number, tsMs: number): Promise<void> | undefined {
    for (let a = writing.get(deviceId)?.newest; a !== undefined; a = a.older) {
      if (a.spooled.seq === seq && a.spooled.tsMs === tsMs) return a.durable;
    }
    return undefined;
  }

  function startWriting(a: Accepted): void {
    let device = writing.get(a.spooled.deviceId);
    if (device === undefined) {
      if (writing.size >= sweepAt) {
        for (const [id, d] of writing) if (d.newest === undefined) writing.delete(id);
        sweepAt = writing.size + MAX_IDLE_DEVICES;
      }
      device = { newest: undefined };
      writing.set(a.spooled.deviceId, device);
    }
    a.device = device;
    a.older = device.newest;
    if (a.older !== undefined) a.older.newer = a;
    device.newest = a;
  }

  /** Unlinks `a`: usually the oldest of its device (the spool commits in order), with dozens in flight when saturated. */
  function doneWriting(a: Accepted): void {
    const device = a.device!;
    if (a.newer === undefined) device.newest = a.older;
    else a.newer.older = a.older;
    if (a.older !== undefined) a.older.newer = a.newer;
    a.older = a.newer = a.device = undefined;
  }

  /** Everything up to the disk write; synchronous, so a bug here is one INTERNAL_ERROR, never a stuck message. */
  function classify(msg: IncomingMessage): Step {
    decodeContext.nowMs = deps.clock();
    const decoded = decodeTelemetry(msg, decodeContext);
    if (!decoded.ok) {
      if ('ignored' in decoded) {
        logger.debug({ topic: decoded.topic, reason: decoded.ignored }, 'message ignored');
        return { done: ignore(decoded.ignored) };
      }
      return { refused: reject(msg, decoded.deviceId, decoded.rejection) };
    }
    const { reading, device, tsMs } = decoded;
    if (dedupe.seen(device.id, reading.seq, tsMs)) {
      counts.duplicates++;
      metrics.duplicates.inc();
      logger.trace({ deviceId: device.id, seq: reading.seq }, 'duplicate reading');
      return { duplicateOf: inFlight(device.id, reading.seq, tsMs) };
    }
    markValidated(msg.payload, reading); // the in-process rules engine takes it instead of decoding again
    const line = toLineProtocol(reading, device, tsMs);
    // The registry's strings (equal to the reading's: decodeTelemetry checked the kind), shared by every reading of the
    // device, rather than the copies JSON.parse made of this payload: the spooled reading lives until InfluxDB answers.
    const spooled: SpooledReading = { deviceId: device.id, kind: device.kind, seq: reading.seq, tsMs, line };
    return { spooled, payload: encodeSpooledReading(spooled), durable: undefined, older: undefined, newer: undefined, device: undefined };
  }

  return {
    async admit(msg) {
      counts.received++;
      tally.received++;
      let step: Step;
      try {
        step = classify(msg);
      } catch (err) {
        logger.error({ err, topic: msg.topic }, 'message lost: unexpected error in the pipeline');
        return ignore('INTERNAL_ERROR');
      }
      if (!('spooled' in step)) {
        if ('done' in step) return step.done;
        if ('refused' in step) {
          await step.refused;
          return 'refused';
        }
        await step.duplicateOf; // rejects if the first copy could not be written: then neither is acknowledged
        return 'duplicate';
      }
      const { spooled } = step;
      step.durable = spool.append(step.payload, spooled); // the feeder takes the value instead of decoding the payload
      startWriting(step);
      try {
        await step.durable;
      } catch (err) {
        dedupe.forget(spooled.deviceId, spooled.seq, spooled.tsMs); // its redelivery is a new chance, not a duplicate
        throw err;
      } finally {
        doneWriting(step);
      }
      counts.accepted++;
      tally.accepted++;
      if (logger.isLevelEnabled('trace')) logger.trace({ deviceId: spooled.deviceId, seq: spooled.seq }, 'reading accepted');
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
