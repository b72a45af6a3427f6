/**
 * Starts Node-RED (the `node-red` package, as a child process) with the VectorWatch notification flows: prepares
 * its user directory (the committed flows file, and the broker credentials of `svc:notifier` written from the
 * environment), passes the routes parsed by `config.ts` as `VECTORWATCH_NOTIFY_ROUTES`, and waits until
 * `GET /health` answers. The user directory also keeps the context store (which events were notified).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceUsername } from '../broker/principal.ts';
import { BROKER_NODE_ID, FLOWS_FILE } from './build-flows.ts';
import { routesOf, type NotifierConfig } from './config.ts';

export const SETTINGS_FILE = fileURLToPath(new URL('./settings.cjs', import.meta.url));

export interface NodeRedProcess {
  /** Base URL of Node-RED's HTTP listener (`/health`; `/admin` when the editor is on). */
  url: string;
  pid: number | undefined;
  /** Resolves with the exit code when Node-RED exits by itself or after stop(). */
  exited: Promise<number>;
  /** SIGTERM (Node-RED flushes its context store), SIGKILL after a bound. */
  stop(): Promise<void>;
}

export interface StartNodeRedOptions {
  /** Receives Node-RED's output lines (default: inherited stdout/stderr). */
  onOutput?: (line: string) => void;
  startTimeoutMs?: number;
  /** Extra environment for the child (tests). */
  env?: Record<string, string>;
}

function nodeRedScript(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('node-red/package.json')), 'red.js');
}

/** Writes flows.json and flows_cred.json into the user directory; returns its path. */
export function prepareUserDir(config: NotifierConfig): string {
  const userDir = resolve(config.DATA_DIR, 'node-red');
  mkdirSync(userDir, { recursive: true, mode: 0o700 });
  copyFileSync(FLOWS_FILE, join(userDir, 'flows.json'));
  const credentials = { [BROKER_NODE_ID]: { user: serviceUsername('notifier'), password: config.MQTT_SERVICE_PASSWORD } };
  writeFileSync(join(userDir, 'flows_cred.json'), `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return userDir;
}

const NODE_RED_LEVELS: Record<NotifierConfig['LOG_LEVEL'], string> = {
  fatal: 'fatal', error: 'error', warn: 'warn', info: 'info', debug: 'debug', trace: 'trace', silent: 'off',
};

export async function startNodeRed(config: NotifierConfig, opts: StartNodeRedOptions = {}): Promise<NodeRedProcess> {
  const userDir = prepareUserDir(config);
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    MQTT_URL: config.MQTT_URL,
    PUBLIC_URL: config.PUBLIC_URL,
    TIME_ZONE: config.TIME_ZONE,
    NOTIFY_TRANSITIONS: config.NOTIFY_TRANSITIONS.join(','),
    VECTORWATCH_NOTIFY_ROUTES: JSON.stringify(routesOf(config)),
    ...(config.NOTIFY_WEBHOOK_SECRET ? { NOTIFY_WEBHOOK_SECRET: config.NOTIFY_WEBHOOK_SECRET } : {}),
    ...(config.SMTP_URL ? { SMTP_URL: config.SMTP_URL } : {}),
    ...(config.NOTIFY_EMAIL_FROM ? { NOTIFY_EMAIL_FROM: config.NOTIFY_EMAIL_FROM } : {}),
    ...(config.NODE_RED_ADMIN_PASSWORD ? { NODE_RED_ADMIN_PASSWORD: config.NODE_RED_ADMIN_PASSWORD } : {}),
    NODE_RED_HOST: config.NODE_RED_HOST,
    NODE_RED_PORT: String(config.NODE_RED_PORT),
    NODE_RED_LOG_LEVEL: NODE_RED_LEVELS[config.LOG_LEVEL],
    ...opts.env,
  };
  // The broker secret reaches Node-RED only through flows_cred.json.
  delete env.MQTT_SERVICE_PASSWORD;
  const child: ChildProcess = spawn(
    process.execPath,
    [nodeRedScript(), '--settings', SETTINGS_FILE, '--userDir', userDir, 'flows.json'],
    { env, stdio: opts.onOutput ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'] },
  );
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) opts.onOutput?.(line);
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const exited = new Promise<number>((res) => child.once('exit', (code, signal) => res(code ?? (signal ? 1 : 0))));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));

  const stop = async () => {
    if (hasExited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const host = config.NODE_RED_HOST === '0.0.0.0' ? '127.0.0.1' : config.NODE_RED_HOST;
  const url = `http://${host}:${config.NODE_RED_PORT}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (hasExited) throw new Error(`Node-RED exited during start (user directory ${userDir})`);
    try {
      // 503 (broker not yet connected) still means the flows are running.
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.status === 200 || res.status === 503) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Node-RED did not answer ${url}/health within ${opts.startTimeoutMs ?? 30_000} ms`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, pid: child.pid, exited, stop };
}
