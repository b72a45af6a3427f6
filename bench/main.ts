/**
 * `npm run bench [-- --size small|full] [--scenarios throughput,peers,latency,connections,growth,grading] [flags]`
 * (issue 7; docs/benchmarks.md). Drives the real stack — broker, ingest, rules, API, a real influxd — with a lean
 * simulator fleet, the same generator and the same influxd for every stack, and writes
 * `bench/results/<timestamp>.json` and `.md`. Not part of `npm test`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createStealMeter } from './proc-stats.ts';
import { renderMarkdown, type BenchResult } from './report.ts';
import { runFleet } from './scenarios/connections.ts';
import { runGrading } from './scenarios/grading.ts';
import { runLatency } from './scenarios/latency.ts';
import { runThroughput } from './scenarios/throughput.ts';
import { STACK_NAMES, type StackName } from './stacks.ts';
import type { StackDebug } from './systems/child.ts';
import { BENCH_LIMITS_ENV } from './systems/vectorwatch.ts';
import { describeMachine, startWorld } from './world.ts';

const SCENARIOS = ['throughput', 'peers', 'latency', 'connections', 'growth', 'grading'] as const;

/** Defaults per size; every one can be overridden by its flag. */
const PRESETS = {
  full: {
    devices: '200', rates: '2000,5000,10000,15000,20000,25000', 'step-seconds': '60', beyond: '1', window: '100',
    'latency-rate': '2000', 'latency-seconds': '60', connections: '20000', 'connection-minutes': '2',
    'growth-fleet': '1000,5000,20000', 'growth-rate': '2000', 'growth-seconds': '30', 'grading-devices': '1000,5000,20000', 'grading-interval-min': '60',
    peers: 'mosquitto+vw-ingest,mosquitto+node-red',
  },
  small: {
    devices: '200', rates: '2000,5000,10000', 'step-seconds': '15', beyond: '0', window: '100',
    'latency-rate': '2000', 'latency-seconds': '20', connections: '2000', 'connection-minutes': '1',
    'growth-fleet': '500,2000', 'growth-rate': '1000', 'growth-seconds': '15', 'grading-devices': '200,1000', 'grading-interval-min': '60',
    peers: 'mosquitto+node-red',
  },
} as const;
type Key = keyof (typeof PRESETS)['full'];

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: 'full' },
    scenarios: { type: 'string', default: SCENARIOS.join(',') },
    out: { type: 'string', default: resolve(import.meta.dirname, 'results') },
    'cpu-prof': { type: 'boolean', default: false },
    'stack-node-args': { type: 'string' },
    'stack-log-dir': { type: 'string' },
    ...Object.fromEntries(Object.keys(PRESETS.full).map((k) => [k, { type: 'string' as const }])),
  },
});
const size = args.size === 'small' ? 'small' : 'full';
const opt = (k: Key): string => ((args as Record<string, unknown>)[k] as string | undefined) ?? PRESETS[size][k];
const num = (k: Key): number => Number(opt(k));
const list = (k: Key): number[] => opt(k).split(',').map(Number);
const scenarios = new Set(args.scenarios!.split(',').map((s) => s.trim()));
for (const s of scenarios) if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario ${s}; choose from ${SCENARIOS.join(', ')}`);
const peers = opt('peers').split(',').filter(Boolean) as StackName[];
for (const p of peers) if (!STACK_NAMES.includes(p) || p === 'vectorwatch') throw new Error(`unknown peer ${p}`);

function revision(): string | undefined {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { cwd: import.meta.dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? '+dirty' : ''}`;
  } catch {
    return undefined;
  }
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
mkdirSync(args.out!, { recursive: true });
const cpuProfDir = args['cpu-prof'] ? join(args.out!, `profiles-${stamp}`) : undefined;
if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
const stackLogDir = args['stack-log-dir'] === undefined ? undefined : resolve(args['stack-log-dir']);
if (stackLogDir) mkdirSync(stackLogDir, { recursive: true });
const debug: StackDebug = { nodeArgs: args['stack-node-args']?.split(/\s+/).filter(Boolean), logDir: stackLogDir };
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

const result: BenchResult = {
  startedAt: new Date().toISOString(),
  command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
  revision: revision(),
  machine: describeMachine(),
  benchConfig: { ...BENCH_LIMITS_ENV },
  throughput: [],
  fleetGrowth: [],
  errors: [],
};
const save = () => {
  result.loadAvgAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
  writeFileSync(join(args.out!, `${stamp}.json`), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(join(args.out!, `${stamp}.md`), renderMarkdown(result));
};
const attempt = async (what: string, fn: () => Promise<void>) => {
  log(`${what} …`);
  const steal = createStealMeter();
  try {
    await fn();
  } catch (err) {
    log(`${what} failed: ${(err as Error).stack ?? String(err)}`);
    result.errors.push(`${what}: ${(err as Error).message}`);
  }
  const pct = steal.stealPct();
  if (pct !== undefined) {
    (result.cpuStealPct ??= {})[what] = pct;
    if (pct >= 5) log(`  CPU steal during ${what}: ${pct} % (the host is shared: figures are slower than on a quiet machine)`);
  }
  save();
};

// Ctrl-C: exit through process.exit so every child's 'exit' hook (influxd, stacks, brokers) kills it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const world = await startWorld();
try {
  const tp = { devices: num('devices'), rates: list('rates'), stepSeconds: num('step-seconds'), window: num('window'), beyond: num('beyond'), cpuProfDir, debug, log };
  if (scenarios.has('throughput')) await attempt('throughput: vectorwatch', async () => void result.throughput.push(await runThroughput(world, 'vectorwatch', tp)));
  if (scenarios.has('peers')) {
    for (const peer of peers) await attempt(`throughput: ${peer}`, async () => void result.throughput.push(await runThroughput(world, peer, tp)));
  }
  if (scenarios.has('latency')) {
    await attempt('latency', async () => {
      result.latency = await runLatency(world, { devices: num('devices'), ratePerS: num('latency-rate'), probes: 10, probeRatePerS: 20, seconds: num('latency-seconds'), pollMs: 100, log });
    });
  }
  if (scenarios.has('connections')) {
    await attempt('connections', async () => {
      result.connections = await runFleet(world, { devices: num('connections'), load: { kind: 'per-minute', minutes: num('connection-minutes') }, log });
    });
  }
  if (scenarios.has('growth')) {
    for (const n of list('growth-fleet')) {
      await attempt(`fleet growth: ${n} devices`, async () => {
        result.fleetGrowth.push(await runFleet(world, { devices: n, load: { kind: 'rate', ratePerS: num('growth-rate'), seconds: num('growth-seconds') }, log }));
      });
    }
  }
  if (scenarios.has('grading')) {
    await attempt('grading growth', async () => {
      result.grading = await runGrading(world, { sizes: list('grading-devices'), intervalMin: num('grading-interval-min'), district: 'yuexiu', runs: 3, log });
    });
  }
} finally {
  result.finishedAt = new Date().toISOString();
  save();
  await world.close();
}
log(`results: ${join(args.out!, `${stamp}.md`)}`);
if (cpuProfDir) log(`CPU profiles: ${cpuProfDir} (node bench/profile-summary.ts <file>)`);
