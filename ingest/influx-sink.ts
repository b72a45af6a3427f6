/**
 * Batching writer to InfluxDB's v1 `/write` endpoint. Never drops a line because InfluxDB is away: a batch that
 * fails with a retryable error (network, timeout, 5xx, 429, 404 database-not-yet-created) is retried forever with
 * capped, jittered backoff; each retry is counted, none is a drop (STYLE principle 8).
 *
 * Call order: `write` any number of times → `flush` whenever all queued lines must be in InfluxDB → `close`
 * once, last (it flushes; writes after it are refused) — or `abandon` instead of `close` when the lines are safe
 * elsewhere. Lines live in memory until acknowledged; ingest feeds this sink from its disk spool
 * (spool-feeder.ts), so on shutdown during an outage it abandons the lines in memory rather than wait.
 *
 * Up to `maxBatchesInFlight` batches can be in flight at a time (default 1; ingest passes `INGEST_WRITES_IN_FLIGHT`,
 * 2). Beyond the first, only full batches (or those a flush waits for) take a slot, so the extra slots serve a backlog
 * and a trickle stays one write at a time: without that rule, three in flight made devices' PUBACKs 2–5× slower at the
 * tail (p95) during the fault suite's flood, as `influxd` took the shared cores in bursts (issue 7,
 * docs/benchmarks.md). With more than one, batches settle in any order; InfluxDB does not mind (a point's identity is
 * its own, to-point.ts), and the caller that needs an order
 * restores it (the spool feeder moves its cursor only past a contiguous settled prefix). Within a batch, lines keep
 * their order. A batch goes out when `batchSize` lines are queued or `flushIntervalMs` after the first line arrived
 * in an empty timer window, whichever comes first.
 *
 * A 4xx ("rejected") answer means some lines can never be written — typically a field type conflict. InfluxDB
 * 1.x may answer 400 for a whole batch or "partial write" keeping the valid points, and does not say which lines
 * failed. So a rejected batch is split in halves and each half re-sent, down to single lines: valid lines end up
 * stored (re-sending an already-kept point rewrites the same identity, to-point.ts) and only the lines refused
 * on their own reject their promise, with the InfluxWriteError, for the caller to dead-letter. 401/403 are not
 * the data's fault: they are retried like an outage and logged at ERROR (an operator must fix the token).
 */
import { InfluxWriteError, type InfluxHttp } from '../platform/influx-http.ts';
import type { Logger } from '../platform/logger.ts';
import { setTimeout as sleepUnless } from 'node:timers/promises';
import { backoffDelayMs, type BackoffPolicy } from './backoff.ts';
import type { IngestMetrics } from './metrics.ts';

export interface InfluxSink {
  /** Queues one line; resolves once InfluxDB has it (or rejects with InfluxWriteError 'rejected'). */
  write(line: string): Promise<void>;
  /**
   * `write` without a promise or a closure per line (the spool feeder writes every reading through here):
   * `to.settled()` once InfluxDB has the line, `to.settled(err, line)` with what `write` would reject with (and the
   * line, for a refusal's evidence). A closed sink calls `to.settled(err, line)` at once.
   */
  writeLine(line: string, to: LineSettlement): void;
  /** Writes whatever is queued now; resolves when every one of those lines has settled. */
  flush(): Promise<void>;
  /** Flushes then stops the timer; call once, last. */
  close(): Promise<void>;
  /** Lines queued or in flight. */
  pending(): number;
  /**
   * Gives up on every queued and in-flight line: their promises reject with SinkAbandonedError and retries stop.
   * Only for lines kept safe elsewhere (the spool replays them); writes after it are refused.
   */
  abandon(): void;
}

/** Told how one line of `writeLine` settled; the caller's own per-line record, so the sink keeps no closure per line. */
export interface LineSettlement {
  settled(err?: Error, line?: string): void;
}

export class SinkAbandonedError extends Error {
  override name = 'SinkAbandonedError';
}

export interface InfluxSinkOptions {
  http: InfluxHttp;
  batchSize: number;
  flushIntervalMs: number;
  /** Batches sent concurrently; default 3. 1 keeps the old strictly sequential writes. */
  maxBatchesInFlight?: number;
  logger: Logger;
  metrics: IngestMetrics;
  retry?: BackoffPolicy;
}

interface Entry {
  id: number;
  /** Until its batch is built: from then on the batch's body holds the text (one string, not one per line). */
  line: string;
  to: LineSettlement;
}

/**
 * Lines on their way to InfluxDB. The body is built once, when the batch leaves the queue; the entries then drop their
 * lines, so a line lives until its batch is sent, not until InfluxDB answers (issue 7: lines and their entries alive
 * across the write were a large part of what each scavenge copied). Line protocol has no newline inside a line
 * (line-protocol.ts), so the body splits back into its lines when a refusal must be isolated.
 */
interface Batch {
  entries: Entry[];
  body: string;
}

/** `write`'s settlement: a promise per line (tests, and callers that want one). */
class Deferred implements LineSettlement {
  readonly promise: Promise<void>;
  #resolve!: () => void;
  #reject!: (err: Error) => void;
  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }
  settled(err?: Error): void {
    if (err) this.#reject(err);
    else this.#resolve();
  }
}

const batchOf = (entries: Entry[]): Batch => {
  const body = entries.map((e) => e.line).join('\n');
  for (const e of entries) e.line = '';
  return { entries, body };
};

const DEFAULT_RETRY: BackoffPolicy = { initialMs: 100, maxMs: 10_000 };
const DEFAULT_BATCHES_IN_FLIGHT = 1;
/** Log a still-failing batch every this many retries, not on each. */
const LOG_EVERY_RETRIES = 10;

export function createInfluxSink(opts: InfluxSinkOptions): InfluxSink {
  const { http, metrics } = opts;
  const batchSize = Math.max(1, opts.batchSize);
  const maxBatches = Math.max(1, opts.maxBatchesInFlight ?? DEFAULT_BATCHES_IN_FLIGHT);
  const retry = opts.retry ?? DEFAULT_RETRY;
  const logger = opts.logger.child({ stage: 'influx-sink' });

  const queue: Entry[] = [];
  /** Batches being sent (at most `maxBatches`). */
  const inFlight = new Set<Batch>();
  let inFlightLines = 0;
  let lastId = 0;
  /** Entries with an id up to this are due now (timer fired or flush called), whatever the batch size. */
  let dueUpTo = 0;
  /** Lines up to this id are wanted by a flush: sent even beside other batches in flight. */
  let flushUpTo = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let abandoned = false;
  const abandonment = new AbortController();

  const pendingCount = () => queue.length + inFlightLines;
  const updateGauge = () => metrics.pendingPoints.set(pendingCount());

  /**
   * A full batch goes out whenever a slot is free; a partial one (its timer ran out) only into an empty pipe, unless a
   * flush wants it. So extra slots serve a backlog of full batches (catching up after an outage, or a burst) and a
   * trickle never turns into several small writes at once.
   */
  const shouldSend = (): boolean => {
    const head = queue[0];
    if (head === undefined) return false;
    if (queue.length >= batchSize || head.id <= flushUpTo) return true;
    return head.id <= dueUpTo && inFlight.size === 0;
  };

  /** Starts sending batches while there are due lines and a free slot. */
  function kick(): void {
    while (inFlight.size < maxBatches && shouldSend()) {
      const batch = batchOf(queue.splice(0, batchSize));
      inFlight.add(batch);
      inFlightLines += batch.entries.length;
      send(batch)
        .catch((err: unknown) => logger.error({ err }, 'influx sink stopped on an unexpected error; points held in memory'))
        .finally(() => {
          if (inFlight.delete(batch)) inFlightLines -= batch.entries.length;
          updateGauge();
          kick();
          wakeFlushers();
        });
    }
  }

  const isAuthFailure = (err: InfluxWriteError) => err.status === 401 || err.status === 403;

  /** Sends one batch until InfluxDB has taken it; settles every entry's promise. */
  async function send(batch: Batch): Promise<void> {
    const startedAt = performance.now();
    for (let attempt = 0; !abandoned; attempt++) {
      try {
        await http.write(batch.body);
        if (abandoned) return;
        metrics.batchLatency.observe((performance.now() - startedAt) / 1000);
        if (attempt > 0) logger.info({ retries: attempt, lines: batch.entries.length }, 'InfluxDB write recovered');
        for (const e of batch.entries) e.to.settled();
        return;
      } catch (err) {
        if (abandoned) return;
        if (err instanceof InfluxWriteError && err.failure === 'rejected' && !isAuthFailure(err)) {
          await isolateRejected(batch, err);
          return;
        }
        metrics.writeRetries.inc();
        if (attempt % LOG_EVERY_RETRIES === 0) {
          const auth = err instanceof InfluxWriteError && isAuthFailure(err);
          const fields = { err: (err as Error).message, retries: attempt, pending: pendingCount() };
          if (auth) logger.error(fields, 'InfluxDB refused the credentials; holding points and retrying');
          else logger.warn(fields, 'InfluxDB write failed; holding points and retrying');
        }
        await sleepUnless(backoffDelayMs(attempt, retry), undefined, { signal: abandonment.signal }).catch(() => undefined);
      }
    }
  }

  async function isolateRejected(batch: Batch, err: InfluxWriteError): Promise<void> {
    const [only] = batch.entries;
    if (batch.entries.length === 1 && only !== undefined) {
      only.to.settled(err, batch.body);
      return;
    }
    const lines = batch.body.split('\n');
    const half = Math.ceil(lines.length / 2);
    await send({ entries: batch.entries.slice(0, half), body: lines.slice(0, half).join('\n') });
    await send({ entries: batch.entries.slice(half), body: lines.slice(half).join('\n') });
  }

  function onTimer(): void {
    timer = undefined;
    dueUpTo = lastId;
    kick();
  }

  /** `flush` callers, each waiting for every entry up to `upTo` to settle. */
  let flushWaiters: { upTo: number; resolve(): void }[] = [];

  function wakeFlushers(): void {
    if (flushWaiters.length === 0) return;
    let oldest = queue[0]?.id ?? Infinity;
    for (const batch of inFlight) oldest = Math.min(oldest, batch.entries[0]?.id ?? Infinity);
    const waiting = flushWaiters;
    flushWaiters = [];
    for (const w of waiting) {
      if (w.upTo < oldest) w.resolve();
      else flushWaiters.push(w);
    }
  }

  async function flush(): Promise<void> {
    // As `await Promise.allSettled(…)` on them would: a refusal of a line flushed here is the flusher's to see.
    for (const e of [...[...inFlight].flatMap((b) => b.entries), ...queue]) if (e.to instanceof Deferred) e.to.promise.catch(() => undefined);
    const upTo = lastId;
    dueUpTo = flushUpTo = lastId;
    kick();
    await new Promise<void>((resolve) => {
      flushWaiters.push({ upTo, resolve });
      wakeFlushers();
    });
  }

  function enqueue(entry: Entry): void {
    queue.push(entry);
    updateGauge();
    timer ??= setTimeout(onTimer, opts.flushIntervalMs);
    kick();
  }

  return {
    write(line) {
      if (closed) return Promise.reject(new Error('influx sink is closed'));
      const to = new Deferred();
      enqueue({ id: ++lastId, line, to });
      return to.promise;
    },
    writeLine(line, to) {
      if (closed) to.settled(new Error('influx sink is closed'), line);
      else enqueue({ id: ++lastId, line, to });
    },
    flush,
    async close() {
      closed = true;
      await flush();
      clearTimeout(timer);
      timer = undefined;
    },
    pending: pendingCount,
    abandon() {
      if (abandoned) return;
      abandoned = closed = true;
      abandonment.abort();
      clearTimeout(timer);
      timer = undefined;
      const err = new SinkAbandonedError('influx sink abandoned; the lines stay in the spool');
      const dropped = [...[...inFlight].flatMap((b) => b.entries), ...queue.splice(0)];
      inFlight.clear();
      inFlightLines = 0;
      updateGauge();
      for (const e of dropped) e.to.settled(err);
      wakeFlushers();
    },
  };
}
