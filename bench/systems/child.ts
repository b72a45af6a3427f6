/** A system under test as a child process: its pid (for /proc), its recent output (for errors) and a bounded stop. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

/**
 * For looking inside a stack while it is measured (`npm run bench -- --stack-node-args … --stack-log-dir …`):
 * extra Node flags for VectorWatch's processes (the stack, the ingest worker) (`--trace-gc`, `--heapsnapshot-signal=SIGUSR2`: flags NODE_OPTIONS refuses),
 * and a directory that receives each process's whole output as `<name>-<start ms>.log`.
 */
export interface StackDebug {
  nodeArgs?: readonly string[] | undefined;
  logDir?: string | undefined;
}

export interface Child {
  name: string;
  pid: number;
  output(): string;
  exited(): boolean;
  stop(signal?: NodeJS.Signals, boundMs?: number): Promise<void>;
}

export function startChild(name: string, command: string, args: readonly string[], opts: SpawnOptions = {}, logDir?: string): Child {
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  if (logDir !== undefined) {
    const file = createWriteStream(join(logDir, `${name}-${Date.now()}.log`));
    child.stdout?.pipe(file, { end: false });
    child.stderr?.pipe(file, { end: false });
    child.once('exit', () => file.end());
  }
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let done = false;
  const exit = new Promise<void>((res) => child.once('exit', () => {
    done = true;
    res();
  }));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  return {
    name,
    pid: child.pid,
    output: () => out,
    exited: () => done,
    async stop(signal = 'SIGTERM', boundMs = 15_000) {
      process.off('exit', killOnExit);
      if (done) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until true; throws naming `what` after `timeoutMs`, or at once when `child` has exited. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, child?: Child): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    if (child?.exited()) throw new Error(`${child.name} exited while waiting for ${what}:\n${child.output()}`);
    if (await check()) return;
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${child ? `:\n${child.output()}` : ''}`);
    await sleep(100);
  }
}
