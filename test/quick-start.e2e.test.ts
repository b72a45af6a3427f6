/**
 * The README's first quick-start line, as a user runs it: `node main.ts` (what `npm start` runs) brings up the whole
 * pipeline with a simulated fleet, prints where everything listens and a credential to try, readings land in
 * InfluxDB within seconds, and SIGINT (Ctrl-C) stops everything, the local influxd included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
let child: ChildProcess | undefined;
let dataDir: string | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('runs the pipeline with a simulated fleet and stops cleanly on Ctrl-C', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vw-start-'));
    child = spawn(process.execPath, ['main.ts'], {
      cwd: root,
      env: { ...process.env, DATA_DIR: dataDir, MQTT_PORT: '0', HTTP_PORT: '0', SIM_DEVICES: '200', SIM_INTERVAL_MS: '2000', LOG_LEVEL: 'warn', ADMIN_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    const until = async (pattern: RegExp, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output so far:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return pattern.exec(out)!;
    };

    await until(/VectorWatch is running\./, 60_000);
    const influxUrl = (await until(/InfluxDB\s+(http:\/\/127\.0\.0\.1:\d+)/, 1000))[1]!;
    const httpUrl = (await until(/HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/, 1000))[1]!;
    const token = (await until(/Admin token\s+(\S+)/, 1000))[1]!;
    expect(out).toMatch(/MQTT broker\s+mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(out).toMatch(/Simulator\s+200 devices in 2 districts, 4 contractors/);
    expect(out).toMatch(/Try a device yourself: id \S+, password \S+/);

    await until(/readings are landing in InfluxDB/, 20_000);
    const res = await fetch(`${influxUrl}/query?db=vectorwatch&q=${encodeURIComponent('SELECT count(seq) FROM /.*/')}`);
    const body = (await res.json()) as { results: { series?: { values: [unknown, number][] }[] }[] };
    const stored = (body.results[0]?.series ?? []).reduce((n, s) => n + (s.values[0]?.[1] ?? 0), 0);
    expect(stored).toBeGreaterThan(0);

    const health = await fetch(`${httpUrl}/health`);
    expect(health.status).toBe(200);
    const devices = await fetch(`${httpUrl}/api/devices?limit=10000`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await devices.json()) as { devices: unknown[] }).devices.length).toBeGreaterThanOrEqual(200);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toMatch(/stopped\./);
    const ping = await fetch(`${influxUrl}/ping`, { signal: AbortSignal.timeout(1000) }).then(() => 'up', () => 'down');
    expect(ping).toBe('down');
  }, 120_000);
});
