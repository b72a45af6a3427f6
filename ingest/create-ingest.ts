/**
 * Wires ingest: the acceptance side (admit-reading.ts: decode → dedupe → line protocol → spool) and the storage
 * side (spool-feeder.ts: spool → InfluxDB sink), with completeness tracked as readings reach InfluxDB. No sockets,
 * files or timers of its own: spool, sink and stores are injected (STYLE principles 1, 2), so tests drive it with an
 * in-memory source, a spool in a temporary directory and a real InfluxDB.
 *
 * Per message, exactly one outcome, each counted:
 * - valid and new → `accepted_total` once durable in the spool, `stored_total{kind}` once InfluxDB has it;
 * - valid, already seen → `duplicates_total`, not written again;
 * - refused → `rejected_total{code}`, a dead-letter row, and an error message to the device;
 * - InfluxDB refuses a valid reading (4xx) → `rejected_total{code="STORE_REJECTED"}` and a dead-letter row holding
 *   the line (not the device's fault: it is not told);
 * - no device to tell (bad topic) or a bug → `ignored_total{reason}`.
 *
 * Call order: `feed()` once (runs until the spool closes); `admit` per message, or `consume(source)`; at shutdown
 * stop the source, `await settled()`, `await stopFeeding(ms)`, close the spool, await `feed()`'s promise.
 */
import type { DeviceErrorMessage } from '../contracts/device-errors.ts';
import type { DeviceDirectory } from '../contracts/registry.ts';
import type { Logger } from '../platform/logger.ts';
import { createAdmitter, deadLetter, type Admission } from './admit-reading.ts';
import type { CompletenessTracker } from './completeness-store.ts';
import type { DeadLetterStore } from './dead-letters.ts';
import type { IngestLimits } from './decode-telemetry.ts';
import { createSeqDeduper, type SeqDeduper } from './dedupe.ts';
import type { IncomingMessage } from './incoming-message.ts';
import type { InfluxSink } from './influx-sink.ts';
import type { IngestMetrics } from './metrics.ts';
import { createSpoolFeeder } from './spool-feeder.ts';
import type { Spool } from './spool/spool.ts';
import { deviceTopic } from '../contracts/topics.ts';
import { createWarnLimiter } from './warn-limiter.ts';

export type { Admission } from './admit-reading.ts';

export interface IngestDeps {
  directory: DeviceDirectory;
  spool: Spool;
  sink: InfluxSink;
  deadLetters: DeadLetterStore;
  publishError(deviceId: string, m: DeviceErrorMessage): Promise<void>;
  clock: () => number;
  limits: IngestLimits;
  logger: Logger;
  metrics: IngestMetrics;
  completeness?: CompletenessTracker;
  /** Default: createSeqDeduper() with its defaults. */
  dedupe?: SeqDeduper;
  /** Awaited by the feeder before its first write (wait for InfluxDB, create the database). */
  prepareStore?: (signal: AbortSignal) => Promise<void>;
  /** Messages `consume` has taken but not yet decided, before it stops taking more; default 10 000. */
  maxUndecided?: number;
}

/** Counts since this pipeline was created, for /health. */
export interface IngestStats {
  received: number;
  /** durable in the spool */
  accepted: number;
  /** in InfluxDB */
  stored: number;
  rejected: number;
  duplicates: number;
  ignored: number;
  /** readings in the spool not yet in InfluxDB */
  pending: number;
}

export interface Ingest {
  /** Decides one message; see admit-reading.ts for what the promise means. */
  admit(msg: IncomingMessage): Promise<Admission>;
  /** Admits every message of a source (calling its `ack` once decided) until it ends, then waits for the last ones. */
  consume(source: AsyncIterable<IncomingMessage>): Promise<void>;
  /** Resolves when no admission is outstanding. */
  settled(): Promise<void>;
  /** Feeds InfluxDB from the spool until the spool is closed. */
  feed(): Promise<void>;
  /** Waits up to `drainMs` for the spool to empty into InfluxDB, then stops feeding; returns whether it emptied. */
  stopFeeding(drainMs: number): Promise<boolean>;
  stats(): IngestStats;
}

const WARN_INTERVAL_MS = 60_000;
const MAX_STORE_ERROR_TEXT = 500;

export function createIngest(deps: IngestDeps): Ingest {
  const { metrics, logger, spool } = deps;
  const warnLimiter = createWarnLimiter({ intervalMs: WARN_INTERVAL_MS, clock: deps.clock });
  const admitter = createAdmitter({ ...deps, dedupe: deps.dedupe ?? createSeqDeduper(), warnLimiter });
  const storage = { stored: 0, rejected: 0 };
  const maxUndecided = Math.max(1, deps.maxUndecided ?? 10_000);

  let undecided = 0;
  const idle: (() => void)[] = [];
  let room: (() => void) | undefined;

  function admit(msg: IncomingMessage): Promise<Admission> {
    undecided++;
    const decided = admitter.admit(msg);
    decided.then(settle, settle);
    return decided;
  }

  function settle(): void {
    undecided--;
    if (undecided < maxUndecided) {
      room?.();
      room = undefined;
    }
    if (undecided === 0) for (const resolve of idle.splice(0)) resolve();
  }

  const feeder = createSpoolFeeder({
    spool,
    sink: deps.sink,
    logger,
    ...(deps.prepareStore ? { prepare: deps.prepareStore } : {}),
    onStored(r) {
      storage.stored++;
      metrics.countStored(r.kind);
      deps.completeness?.record(r.deviceId, r.seq, r.tsMs);
    },
    onRefused(r, err) {
      storage.rejected++;
      metrics.rejected.inc({ code: 'STORE_REJECTED' });
      deps.completeness?.record(r.deviceId, r.seq, r.tsMs);
      const msg = { receivedAtMs: deps.clock(), topic: deviceTopic(r.deviceId, 'telemetry'), payload: Buffer.from(r.line) };
      deadLetter(deps, msg, r.deviceId, 'STORE_REJECTED', err.message.slice(0, MAX_STORE_ERROR_TEXT), []);
      if (warnLimiter.allow(`STORE_REJECTED:${r.deviceId}`)) {
        logger.error({ deviceId: r.deviceId, err: err.message }, 'InfluxDB refused a valid reading; dead-lettered as STORE_REJECTED');
      }
    },
    ...(deps.completeness ? { beforeRelease: () => deps.completeness?.flush() } : {}),
  });

  return {
    admit,
    async consume(source) {
      for await (const msg of source) {
        admit(msg).then(
          () => msg.ack?.(),
          (err: unknown) => logger.debug({ err, topic: msg.topic }, 'not acknowledged: the spool could not take it'),
        );
        if (undecided >= maxUndecided) await new Promise<void>((resolve) => (room = resolve));
      }
      await this.settled();
    },
    settled: () => (undecided === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve))),
    feed: () => feeder.run(),
    async stopFeeding(drainMs) {
      const drained = await feeder.drain(drainMs);
      feeder.stop();
      return drained;
    },
    stats() {
      const a = admitter.counts();
      return { ...a, stored: storage.stored, rejected: a.rejected + storage.rejected, pending: spool.stats().records };
    },
  };
}
