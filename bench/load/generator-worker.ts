/**
 * A load generator in its own process (`fork`), driven over IPC by bench/load/generator-pool.ts. A process is the unit
 * because a process's file descriptors are bounded (RLIMIT_NOFILE): 20,000 connections need two of them here.
 */
import type { ConnectOptions, RunOptions } from './generator.ts';
import { LoadGenerator } from './generator.ts';
import type { LoadDevice } from './payloads.ts';

export type WorkerRequest =
  | { op: 'connect'; devices: LoadDevice[]; options: ConnectOptions }
  | { op: 'run'; run: RunOptions; drainMs: number }
  | { op: 'close' };

let generator: LoadGenerator | undefined;

// The bench went away (Ctrl-C, a crash): so do we.
process.on('disconnect', () => process.exit(0));

process.on('message', (msg: WorkerRequest) => {
  void (async () => {
    try {
      if (msg.op === 'connect') {
        generator = new LoadGenerator(msg.devices);
        process.send!({ ok: true, value: await generator.connect(msg.options) });
      } else if (msg.op === 'run') {
        process.send!({ ok: true, value: await generator!.run(msg.run, msg.drainMs) });
      } else {
        await generator?.close();
        process.send!({ ok: true, value: null }, () => process.exit(0));
      }
    } catch (err) {
      process.send!({ ok: false, error: String((err as Error).stack ?? err) });
    }
  })();
});
