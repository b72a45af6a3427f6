/**
 * Runs a local `influxd` (Debian package `influxdb`, 1.x) as a child process: loopback only, a free port,
 * its data under a directory of ours. Used by `npm start` when INFLUX_URL is unset and by the test harness.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const INFLUXD_INSTALL_HINT = 'apt-get install -y influxdb';

export interface LocalInfluxd {
  url: string;
  port: number;
  dataDir: string;
  pid: number | undefined;
  /** Stops influxd (SIGTERM, then SIGKILL after a bound) and waits for the exit. */
  stop(): Promise<void>;
  /** Kills influxd without a chance to flush, as a crash would (fault-injection tests). */
  kill(): Promise<void>;
}

/** Finds a free TCP port on loopback. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

export function findInfluxd(): string | undefined {
  for (const p of ['/usr/bin/influxd', '/usr/local/bin/influxd']) if (existsSync(p)) return p;
  const which = spawnSync('sh', ['-c', 'command -v influxd'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  return which.status === 0 && found ? found : undefined;
}

/**
 * Makes sure `influxd` is installed. When it is missing, says so in one line with the install command;
 * when running as root with apt available, installs it (Debian package `influxdb`).
 */
export function ensureInfluxd(log: (line: string) => void = (l) => console.error(l)): string {
  const existing = findInfluxd();
  if (existing) return existing;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (!isRoot || !hasApt) {
    throw new Error(`influxd not found: install it with \`sudo ${INFLUXD_INSTALL_HINT}\`, or set INFLUX_URL to an existing InfluxDB.`);
  }
  log(`influxd not found: installing it with \`${INFLUXD_INSTALL_HINT}\` …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-q', 'influxdb'], { stdio: 'inherit', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', '-q', 'influxdb'], { stdio: 'inherit', env });
  }
  const installed = findInfluxd();
  if (r.status !== 0 || !installed) throw new Error(`installing influxdb failed: run \`${INFLUXD_INSTALL_HINT}\` by hand.`);
  return installed;
}

export interface StartInfluxdOptions {
  dataDir: string;
  port?: number;
  binary?: string;
  startTimeoutMs?: number;
  /** Receives influxd's own output lines (it logs a lot; default: discarded). */
  onOutput?: (line: string) => void;
}

export async function startInfluxd(opts: StartInfluxdOptions): Promise<LocalInfluxd> {
  const binary = opts.binary ?? ensureInfluxd();
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const rpcPort = await freePort();
  const configPath = join(dataDir, 'influxd.conf');
  // influxd 1.x reads TOML. Everything on loopback; no usage reporting (the network is closed anyway).
  writeFileSync(
    configPath,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]',
      `  dir = "${join(dataDir, 'meta')}"`,
      '[data]',
      `  dir = "${join(dataDir, 'data')}"`,
      `  wal-dir = "${join(dataDir, 'wal')}"`,
      '  query-log-enabled = false',
      '  wal-fsync-delay = "0s"',
      '[http]',
      `  bind-address = "127.0.0.1:${port}"`,
      '  log-enabled = false',
      '  max-body-size = 0',
      '[monitor]',
      '  store-enabled = false',
      '[continuous_queries]',
      '  enabled = false',
      '',
    ].join('\n'),
  );
  // Own process group: a terminal's Ctrl-C reaches only us, and we stop influxd after ingest has flushed to it.
  // If we exit without stopping it (a crash), the 'exit' hook below still kills it.
  const child: ChildProcess = spawn(binary, ['-config', configPath], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, INFLUXDB_DATA_QUERY_LOG_ENABLED: 'false' },
  });
  const forward = (chunk: Buffer) => {
    if (!opts.onOutput) return;
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) opts.onOutput(line);
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((res) => child.once('exit', () => {
    process.off('exit', killOnExit);
    res();
  }));
  let exitedEarly = false;
  child.once('exit', () => (exitedEarly = true));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exitedEarly) throw new Error(`influxd exited during start (config ${configPath})`);
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(500) });
      await res.body?.cancel();
      if (res.status === 204) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`influxd did not answer /ping on ${url} within ${opts.startTimeoutMs ?? 30_000} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const stopWith = async (signal: NodeJS.Signals, boundMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    url,
    port,
    dataDir,
    pid: child.pid,
    stop: () => stopWith('SIGTERM', 10_000),
    kill: () => stopWith('SIGKILL', 1_000),
  };
}
