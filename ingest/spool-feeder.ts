/**
 * Feeds InfluxDB from the spool, in spool order: reads committed records, hands their lines to the InfluxDB sink
 * (which batches, retries forever and isolates refused lines: influx-sink.ts), and moves the spool's cursor past a
 * record only once it and every record before it has settled — stored, or refused by InfluxDB and dead-lettered.
 *
 * At most `maxInFlight` records are between the spool and InfluxDB at a time, so an InfluxDB outage holds readings
 * on disk, not in memory. The sink writes several batches at once and they may settle in any order: a record that
 * settles before an earlier one waits, unreleased and unreported, until everything before it has settled too;
 * `onStored`/`onRefused` are then called for the settled prefix, in spool order, and the cursor moves past it.
 * A crash at any point replays what was read but not released: the same lines, written to the same point
 * identities (to-point.ts), so a replay never duplicates.
 *
 * Call order: `run()` once; at shutdown `drain(ms)` (optional, bounded), then `stop()`, then close the spool, then
 * await `run()`'s promise.
 */
import type { InfluxWriteError } from '../platform/influx-http.ts';
import type { Logger } from '../platform/logger.ts';
import type { DeviceKind } from '../contracts/telemetry.ts';
import type { InfluxSink, LineSettlement } from './influx-sink.ts';
import { SinkAbandonedError } from './influx-sink.ts';
import type { Spool, SpoolPosition, SpoolRecord } from './spool/spool.ts';
import { spooledReadingOf, type SpooledReading } from './spooled-reading.ts';

export interface SpoolFeederDeps {
  spool: Spool;
  sink: InfluxSink;
  logger: Logger;
  /** Records handed to the sink and not yet settled; default 20 000. */
  maxInFlight?: number;
  /** Awaited once before the first write (wait for InfluxDB, create the database); aborted by `stop()`. */
  prepare?: (signal: AbortSignal) => Promise<void>;
  /** InfluxDB has the reading. Called in spool order, once it and everything before it has settled. */
  onStored(r: StoredReading): void;
  /** InfluxDB refused the reading on its own (4xx): it can never be written. Called in spool order, like `onStored`. */
  onRefused(r: SpooledReading, err: InfluxWriteError): void;
  /** Called just before the cursor moves: persist whatever was derived from the settled records (completeness). */
  beforeRelease?: () => void;
}

export interface SpoolFeeder {
  /** Feeds until `stop()` and the spool's close; resolves then. */
  run(): Promise<void>;
  /** Resolves when everything in the spool is in InfluxDB, or after `timeoutMs`; returns whether it all got there. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Stops feeding and abandons the sink's in-memory lines (they stay in the spool). */
  stop(): void;
}

/** What is left of a spooled reading once its line is on its way: what `onStored` needs. */
export type StoredReading = Omit<SpooledReading, 'line'>;

/**
 * One record between the spool and InfluxDB: the facts `onStored` needs, copied out of the reading so that neither
 * the reading nor its line stays alive until InfluxDB answers (the sink drops the line once its batch is built), and
 * the sink's settlement target itself, so no closure per reading (issue 7: what lives across a write is what every
 * scavenge copies).
 */
class InFlight implements StoredReading, LineSettlement {
  isSettled = false;
  /** False for an unreadable record (skipped). */
  readable = true;
  deviceId = '';
  kind: DeviceKind = 'rodent_station';
  seq = 0;
  tsMs = 0;
  /** Set when InfluxDB refused the reading, with the refused line. */
  refused: { err: InfluxWriteError; line: string } | undefined = undefined;
  readonly end: SpoolPosition;
  readonly #onSettled: (entry: InFlight, err: Error | undefined, line: string | undefined) => void;
  constructor(end: SpoolPosition, onSettled: (entry: InFlight, err: Error | undefined, line: string | undefined) => void) {
    this.end = end;
    this.#onSettled = onSettled;
  }
  settled(err?: Error, line?: string): void {
    this.#onSettled(this, err, line);
  }
}

export function createSpoolFeeder(deps: SpoolFeederDeps): SpoolFeeder {
  const { spool, sink } = deps;
  const log = deps.logger.child({ stage: 'spool-feeder' });
  const maxInFlight = Math.max(1, deps.maxInFlight ?? 20_000);
  let window: InFlight[] = [];
  let head = 0;
  let stopping = false;
  let releaseScheduled = false;
  let roomWaiter: (() => void) | undefined;
  const stopped = new AbortController();

  const inFlight = () => window.length - head;

  function scheduleRelease(): void {
    if (releaseScheduled) return;
    releaseScheduled = true;
    // Sink batches settle many entries in one tick: release once per tick, not per record.
    setImmediate(() => {
      releaseScheduled = false;
      let last: SpoolPosition | undefined;
      while (head < window.length && window[head]!.isSettled) {
        const entry = window[head]!;
        window[head++] = undefined as never; // let the reading go
        last = entry.end;
        report(entry);
      }
      if (head > 4096 && head * 2 > window.length) {
        window = window.slice(head);
        head = 0;
      }
      const w = roomWaiter;
      roomWaiter = undefined;
      w?.();
      if (last === undefined || stopping) return;
      try {
        deps.beforeRelease?.();
      } catch (err) {
        log.error({ err }, 'could not persist state derived from stored readings; the spool keeps them for a replay');
        return;
      }
      spool.release(last).catch((err: unknown) => log.error({ err }, 'could not persist the spool cursor; readings will be replayed'));
    });
  }

  /** The outcome of a record of the settled prefix, in spool order. */
  function report(entry: InFlight): void {
    if (!entry.readable) return;
    const { refused } = entry;
    try {
      if (refused === undefined) deps.onStored(entry);
      else deps.onRefused({ deviceId: entry.deviceId, kind: entry.kind, seq: entry.seq, tsMs: entry.tsMs, line: refused.line }, refused.err);
    } catch (err) {
      log.error({ err, deviceId: entry.deviceId, seq: entry.seq }, 'could not record the outcome of a stored reading');
    }
  }

  function onSettled(entry: InFlight, err: Error | undefined, line: string | undefined): void {
    if (err instanceof SinkAbandonedError) return; // stays in the spool for the next start
    entry.isSettled = true;
    if (err !== undefined) entry.refused = { err: err as InfluxWriteError, line: line ?? '' };
    scheduleRelease();
  }

  function feed(record: SpoolRecord, entry: InFlight): void {
    let reading: SpooledReading;
    try {
      reading = spooledReadingOf(record);
    } catch (err) {
      log.error({ err }, 'unreadable spool record skipped');
      entry.readable = false;
      entry.isSettled = true;
      scheduleRelease();
      return;
    }
    entry.deviceId = reading.deviceId;
    entry.kind = reading.kind;
    entry.seq = reading.seq;
    entry.tsMs = reading.tsMs;
    sink.writeLine(reading.line, entry);
  }

  return {
    async run() {
      await deps.prepare?.(stopped.signal);
      while (!stopping) {
        const room = maxInFlight - inFlight();
        if (room <= 0) {
          await new Promise<void>((resolve) => (roomWaiter = resolve));
          continue;
        }
        const records = await spool.read(room);
        if (records.length === 0) break; // the spool was closed
        if (stopping) break;
        for (const r of records) {
          const entry = new InFlight(r.end, onSettled);
          window.push(entry);
          feed(r, entry);
        }
      }
    },

    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (spool.stats().records > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return spool.stats().records === 0;
    },

    stop() {
      stopping = true;
      stopped.abort();
      sink.abandon();
      const w = roomWaiter;
      roomWaiter = undefined;
      w?.();
    },
  };
}
