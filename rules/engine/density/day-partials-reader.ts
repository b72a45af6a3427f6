/**
 * Reads roll-up sums (day-partials-store.ts `read`) off the event loop: in a worker thread with its own connection
 * when the database is a file, in line when it is in memory (tests) or the worker cannot start. In the one-process
 * stack the engine's once-a-minute city-wide read took ~1 s of the broker's event loop at 20,000 devices
 * (docs/benchmarks.md); now the loop spends only the copy of the result. If the worker fails or stops (it cannot start,
 * it crashed), the reads it owed are done in line instead, and the next read starts a new one.
 */
import { Worker } from 'node:worker_threads';
import type { DatabaseSync } from '../../../platform/sqlite.ts';
import type { DayPartialsStore, PartialsWhere } from './day-partials-store.ts';
import type { ReadRequest } from './day-partials-worker.ts';
import type { Partials } from './sensor-aggregates.ts';

export interface PartialsReader {
  read(fromMs: number, toMs: number, config: string, where?: PartialsWhere): Promise<Partials>;
  close(): Promise<void>;
}

type Reply = { id: number; partials: Partials } | { id: number; error: string };

/** The worker stopped before answering (not an error of the read itself). */
class ReaderStoppedError extends Error {
  override name = 'ReaderStoppedError';
}

export function createPartialsReader(db: DatabaseSync, store: Pick<DayPartialsStore, 'read'>): PartialsReader {
  const path = db.location();
  if (path === null) {
    return { read: async (fromMs, toMs, config, where = {}) => store.read(fromMs, toMs, config, where), close: async () => undefined };
  }
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { worker: Worker; resolve(p: Partials): void; reject(err: Error): void }>();

  /** Rejects the reads a stopped or failed worker will not answer. */
  function failAll(w: Worker, err: Error): void {
    for (const [id, p] of pending) {
      if (p.worker !== w) continue;
      pending.delete(id);
      p.reject(err);
    }
  }

  function start(): Worker {
    const w = new Worker(new URL('./day-partials-worker.ts', import.meta.url), { workerData: { path } });
    w.unref(); // only pending reads keep it referenced
    w.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      if (p === undefined) return;
      pending.delete(reply.id);
      if (![...pending.values()].some((q) => q.worker === w)) w.unref();
      if ('error' in reply) p.reject(new Error(`roll-up read failed: ${reply.error}`));
      else p.resolve(reply.partials);
    });
    w.on('error', (err) => {
      if (worker === w) worker = undefined;
      failAll(w, new ReaderStoppedError(`roll-up reader failed: ${err.message}`));
    });
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(w, new ReaderStoppedError(`roll-up reader stopped (exit ${code})`));
    });
    return w;
  }

  return {
    async read(fromMs, toMs, config, where = {}) {
      worker ??= start();
      const w = worker;
      const id = nextId++;
      try {
        return await new Promise<Partials>((resolve, reject) => {
          pending.set(id, { worker: w, resolve, reject });
          w.ref();
          w.postMessage({ id, fromMs, toMs, config, where: { ...where } } satisfies ReadRequest);
        });
      } catch (err) {
        if (!(err instanceof ReaderStoppedError)) throw err;
        return store.read(fromMs, toMs, config, where);
      }
    },
    async close() {
      const w = worker;
      worker = undefined;
      if (w !== undefined) await w.terminate();
    },
  };
}
