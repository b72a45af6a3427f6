/**
 * One or more generator processes behaving as one generator: devices are split evenly, the rate in proportion, and
 * their reports merged. Each process's pid is exposed so its CPU can be measured and reported with the results.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { ConnectOptions, ConnectReport, RunOptions, RunReport } from './generator.ts';
import type { LoadDevice } from './payloads.ts';
import type { WorkerRequest } from './generator-worker.ts';

const WORKER = resolve(import.meta.dirname, 'generator-worker.ts');

class Worker {
  readonly child: ChildProcess;
  #queue: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];

  constructor() {
    this.child = fork(WORKER, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    this.child.on('message', (m: { ok: boolean; value?: unknown; error?: string }) => {
      const waiter = this.#queue.shift();
      if (m.ok) waiter?.resolve(m.value);
      else waiter?.reject(new Error(`generator worker: ${m.error}`));
    });
    this.child.on('exit', (code) => {
      for (const w of this.#queue.splice(0)) w.reject(new Error(`generator worker exited (${code})`));
    });
  }

  call<T>(req: WorkerRequest): Promise<T> {
    return new Promise<T>((res, rej) => {
      this.#queue.push({ resolve: res as (v: unknown) => void, reject: rej });
      this.child.send(req);
    });
  }
}

export class GeneratorPool {
  readonly #workers: Worker[];
  #sizes: number[] = [];
  #nextSeq = 0;

  constructor(processes: number) {
    this.#workers = Array.from({ length: processes }, () => new Worker());
  }

  get pids(): number[] {
    return this.#workers.map((w) => w.child.pid!);
  }

  async connect(devices: readonly LoadDevice[], options: ConnectOptions): Promise<ConnectReport> {
    const n = this.#workers.length;
    const parts = this.#workers.map((_, i) => devices.filter((_, j) => j % n === i));
    this.#sizes = parts.map((p) => p.length);
    this.#nextSeq = options.firstSeq;
    const t0 = performance.now();
    const reports = await Promise.all(this.#workers.map((w, i) => w.call<ConnectReport>({ op: 'connect', devices: parts[i]!, options })));
    return { connected: sum(reports.map((r) => r.connected)), failed: sum(reports.map((r) => r.failed)), ms: performance.now() - t0 };
  }

  async run(run: RunOptions, drainMs = 60_000): Promise<RunReport> {
    const total = sum(this.#sizes);
    const reports = await Promise.all(
      this.#workers.map((w, i) => w.call<RunReport>({ op: 'run', run: { ...run, ratePerS: (run.ratePerS * this.#sizes[i]!) / total, firstSeq: this.#nextSeq }, drainMs })),
    );
    this.#nextSeq = Math.max(...reports.flatMap((r) => r.devices.map((d) => d.nextSeq)));
    return {
      offered: sum(reports.map((r) => r.offered)),
      sent: sum(reports.map((r) => r.sent)),
      acked: sum(reports.map((r) => r.acked)),
      failed: sum(reports.map((r) => r.failed)),
      deferred: sum(reports.map((r) => r.deferred)),
      maxLagS: Math.max(...reports.map((r) => r.maxLagS)),
      startedAtMs: Math.min(...reports.map((r) => r.startedAtMs)),
      endedAtMs: Math.max(...reports.map((r) => r.endedAtMs)),
      drainedAtMs: Math.max(...reports.map((r) => r.drainedAtMs)),
      devices: reports.flatMap((r) => r.devices),
      recorded: reports.flatMap((r) => r.recorded),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.call({ op: 'close' }).catch(() => undefined)));
  }
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
