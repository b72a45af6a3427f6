/**
 * How refusals reach the dead-letter store (issue 6):
 * - Group commit: every refusal decided in one turn of the event loop is written in one SQLite transaction, and each
 *   `write` resolves once its row is committed (or skipped): one commit per turn, not one per message.
 * - Per-device sampling: at most `perDevice` rows per device in each `windowMs`. A device flooding broken messages
 *   still gets every refusal on its errors topic and is counted in `rejected_total{code}`, but cannot evict every
 *   other device's evidence from the bounded table (DEAD_LETTER_LIMIT), nor turn its flood into disk writes that slow
 *   every spool fdatasync and so every other device's PUBACK. Skipped rows are counted (`dead_letters_skipped_total`).
 */
import type { Counter } from 'prom-client';
import type { Logger } from '../platform/logger.ts';
import type { DeadLetterStore, NewDeadLetter } from './dead-letters.ts';

export interface DeadLetterWriter {
  /** Resolves once the row is committed, skipped by sampling, or its commit failed (logged at ERROR). */
  write(entry: NewDeadLetter): Promise<void>;
}

export interface DeadLetterWriterOptions {
  logger: Logger;
  skipped?: Counter;
  clock?: () => number;
  /** Rows kept per device per window; default 20. */
  perDevice?: number;
  /** Default 10 s. */
  windowMs?: number;
  maxBatch?: number;
}

export function createDeadLetterWriter(store: DeadLetterStore, opts: DeadLetterWriterOptions): DeadLetterWriter {
  const maxBatch = Math.max(1, opts.maxBatch ?? 1000);
  const perDevice = Math.max(1, opts.perDevice ?? 20);
  const windowMs = Math.max(1, opts.windowMs ?? 10_000);
  const clock = opts.clock ?? Date.now;
  let queue: { entry: NewDeadLetter; resolve(): void }[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  let windowStart = -Infinity;
  let perDeviceCounts = new Map<string, number>();

  function flush(): void {
    clearImmediate(scheduled);
    scheduled = undefined;
    const batch = queue;
    queue = [];
    try {
      store.addMany(batch.map((b) => b.entry));
    } catch (err) {
      // The refusals are still counted; only their evidence is lost.
      opts.logger.error({ err, rows: batch.length }, 'dead-letter store failed');
    }
    for (const b of batch) b.resolve();
  }

  function sampledOut(entry: NewDeadLetter): boolean {
    const now = clock();
    if (now - windowStart >= windowMs) {
      windowStart = now;
      perDeviceCounts = new Map();
    }
    const key = entry.deviceId ?? entry.topic;
    const n = (perDeviceCounts.get(key) ?? 0) + 1;
    perDeviceCounts.set(key, n);
    return n > perDevice;
  }

  return {
    write(entry) {
      if (sampledOut(entry)) {
        opts.skipped?.inc();
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        queue.push({ entry, resolve });
        if (queue.length >= maxBatch) flush();
        else scheduled ??= setImmediate(flush);
      });
    },
  };
}
