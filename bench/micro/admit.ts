/**
 * Microbenchmark of ingest's admission path: `npx node bench/micro/admit.ts [--readings 200000] [--devices 200]
 * [--rounds 3] [--batch 500] [--only admit]`. Not part of `npm test`; no broker, no InfluxDB.
 *
 * The demo fleet plan (seeded, mixed kinds) with the load generator's payloads (bench/load/payloads.ts: each device's
 * profile values, epoch-ms `ts`), every reading a new (seq, ts). Per round, on fresh payload Buffers:
 * - `decode`: decodeTelemetry alone;
 * - `line`: toLineProtocol alone, on the readings the decode produced;
 * - `admit`: createAdmitter over a real spool in a temporary directory, fed in batches of `--batch` and each batch
 *   awaited (durable). `sync` is the synchronous part of `admit()` — classify + spool.append, what an MQTT PUBLISH
 *   costs the event loop — and `cpu` is the process CPU (all threads: spool writes, continuations, GC) per reading;
 * - `complete`: completeness-store `record` per reading (the feeder's onStored), over in-memory SQLite.
 * Then, on 5,000 readings with no GC in between, the bytes each part allocates per reading (young generation), and
 * the heap a spooled reading (with its line) holds while it waits for InfluxDB.
 * Times are ns per reading of main-thread CPU time (`process.threadCpuUsage`: time the hypervisor steals from the VM
 * is not in it, unlike wall time), except `admit cpu` (the whole process) and `wall`; `gc` is the share of the
 * phase's wall time spent in GC pauses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from 'prom-client';
import type { Device } from '../../contracts/registry.ts';
import { planFleet } from '../../devices-sim/fleet.ts';
import { createAdmitter } from '../../ingest/admit-reading.ts';
import { createCompletenessTracker } from '../../ingest/completeness-store.ts';
import { createDeadLetterStore } from '../../ingest/dead-letters.ts';
import { decodeTelemetry } from '../../ingest/decode-telemetry.ts';
import { createSeqDeduper } from '../../ingest/dedupe.ts';
import type { IncomingMessage } from '../../ingest/incoming-message.ts';
import { createIngestMetrics } from '../../ingest/metrics.ts';
import { openSpool } from '../../ingest/spool/spool.ts';
import { encodeSpooledReading } from '../../ingest/spooled-reading.ts';
import { makeDevice, directoryOf } from '../../ingest/test-fixtures.ts';
import { toLineProtocol } from '../../ingest/to-point.ts';
import { createWarnLimiter } from '../../ingest/warn-limiter.ts';
import { silentLogger } from '../../platform/logger.ts';
import { openDatabase } from '../../platform/sqlite.ts';
import { loadDemoReference } from '../../registry/seed.ts';
import { profileTails, renderPayload } from '../load/payloads.ts';

const { values: args } = parseArgs({
  options: {
    readings: { type: 'string', default: '200000' },
    devices: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '500' },
    /** Run only this phase (decode, line, admit or complete), for a CPU profile of it. */
    only: { type: 'string' },
  },
});
const READINGS = Number(args.readings);
const DEVICES = Number(args.devices);
const ROUNDS = Number(args.rounds);
const BATCH = Number(args.batch);
const LIMITS = { maxPayloadBytes: 8192, maxFutureSkewMs: 5 * 60_000, maxAgeMs: 35 * 24 * 3600_000 };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });
/** GC entries are delivered asynchronously: let them arrive before reading `gcMs`. */
const settleGc = () => new Promise((r) => setTimeout(r, 20));

// ---- the fleet --------------------------------------------------------------------------------------------------
const ref = loadDemoReference();
const siteOf = new Map(ref.sites.map((s) => [s.id, s]));
const plan = planFleet(ref, { devices: DEVICES, seed: 1 });
const fleet = plan.map((reg) => {
  const site = siteOf.get(reg.siteId)!;
  const device: Device = makeDevice(reg.id, reg.kind, { siteId: site.id, districtId: site.districtId, contractorId: site.contractorId });
  return { device, topic: `devices/${reg.id}/telemetry`, tail: profileTails(reg, 1, ref, 60)[0]! };
});
const directory = directoryOf(...fleet.map((f) => f.device));
const NOW = Date.now();

/** Round `round`'s readings: devices in turn, each with its next seq and a later ts; fresh Buffers. */
function messages(round: number): IncomingMessage[] {
  const out: IncomingMessage[] = new Array(READINGS);
  const perDevice = Math.ceil(READINGS / fleet.length);
  for (let i = 0; i < READINGS; i++) {
    const f = fleet[i % fleet.length]!;
    const n = Math.floor(i / fleet.length);
    const seq = round * perDevice + n;
    const ts = NOW - (ROUNDS * perDevice - seq) * 10; // 10 ms apart: every (seq, ts) new, all within maxAge
    out[i] = { topic: f.topic, payload: Buffer.from(renderPayload(f.device.kind, seq, ts, f.tail)), receivedAtMs: NOW };
  }
  return out;
}

const kinds = new Map<string, number>();
for (const f of fleet) kinds.set(f.device.kind, (kinds.get(f.device.kind) ?? 0) + 1);
console.log(`${READINGS} readings/round, ${fleet.length} devices (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}), batch ${BATCH}, ${process.version}`);
console.log(`sample payload: ${renderPayload(fleet[0]!.device.kind, 1, NOW, fleet[0]!.tail)}`);

// ---- phases -----------------------------------------------------------------------------------------------------
const decodeOne = (m: IncomingMessage) => decodeTelemetry(m, { directory, nowMs: NOW, limits: LIMITS });

type Decoded = { reading: Parameters<typeof toLineProtocol>[0]; device: Device; tsMs: number };
function decodeAll(msgs: IncomingMessage[]): Decoded[] {
  return msgs.map((m) => {
    const d = decodeOne(m);
    if (!d.ok) throw new Error(`bench payload refused: ${JSON.stringify(d)}`);
    return d;
  });
}

/** Main-thread CPU time in ms. */
const threadMs = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

async function timeSync(run: () => number): Promise<{ ns: number; gc: number }> {
  await settleGc();
  const gc0 = gcMs;
  const t0 = performance.now();
  const c0 = threadMs();
  const n = run();
  const cpuMs = threadMs() - c0;
  const ms = performance.now() - t0;
  await settleGc();
  return { ns: (cpuMs * 1e6) / n, gc: (gcMs - gc0) / ms };
}

function phaseDecode(msgs: IncomingMessage[]): number {
  let ok = 0;
  for (const m of msgs) if (decodeOne(m).ok) ok++;
  if (ok !== msgs.length) throw new Error('refused');
  return msgs.length;
}

function phaseLine(decoded: Decoded[]): number {
  let chars = 0;
  for (const d of decoded) chars += toLineProtocol(d.reading, d.device, d.tsMs).length;
  if (chars === 0) throw new Error('empty');
  return decoded.length;
}

async function newAdmitter(dir: string) {
  const spool = await openSpool({ dir, maxBytes: 1 << 30, logger: silentLogger });
  const registry = new Registry();
  const admitter = createAdmitter({
    directory,
    spool,
    dedupe: createSeqDeduper(),
    deadLetters: createDeadLetterStore(openDatabase(':memory:'), { limit: 100 }),
    publishError: async () => {},
    clock: () => NOW,
    limits: LIMITS,
    logger: silentLogger,
    metrics: createIngestMetrics(registry),
    warnLimiter: createWarnLimiter({ intervalMs: 60_000, clock: () => NOW }),
  });
  return { spool, admitter, registry };
}

async function phaseAdmit(msgs: IncomingMessage[], scratch: string) {
  const dir = mkdtempSync(join(scratch, 'spool-'));
  const { spool, admitter, registry } = await newAdmitter(dir);
  await settleGc();
  const gc0 = gcMs;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let syncMs = 0;
  for (let i = 0; i < msgs.length; i += BATCH) {
    const end = Math.min(msgs.length, i + BATCH);
    const decided: Promise<unknown>[] = [];
    const s = threadMs();
    for (let j = i; j < end; j++) decided.push(admitter.admit(msgs[j]!));
    syncMs += threadMs() - s;
    const outcomes = await Promise.all(decided);
    if (outcomes.some((o) => o !== 'accepted')) throw new Error(`not accepted: ${outcomes.find((o) => o !== 'accepted')}`);
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await settleGc();
  const accepted = (await registry.getSingleMetric('vectorwatch_ingest_accepted_total')!.get()).values[0]!.value;
  if (accepted !== msgs.length) throw new Error(`accepted_total is ${accepted}, expected ${msgs.length}`);
  await spool.close();
  rmSync(dir, { recursive: true, force: true });
  const n = msgs.length;
  return { sync: (syncMs * 1e6) / n, cpu: ((cpu.user + cpu.system) * 1e3) / n, wall: (wallMs * 1e6) / n, gc: (gcMs - gc0) / wallMs };
}

function phaseComplete(decoded: Decoded[]): number {
  const tracker = createCompletenessTracker(openDatabase(':memory:'), { timeZone: 'Asia/Shanghai' });
  for (const d of decoded) tracker.record(d.device.id, d.reading.seq, d.tsMs);
  tracker.flush();
  return decoded.length;
}

/** Heap bytes still held per result of `run` after full GCs: what a result costs while it is kept. */
function retained(n: number, run: (i: number) => unknown): number {
  const kept: unknown[] = new Array(n);
  gc();
  gc();
  const before = getHeapStatistics().used_heap_size;
  for (let i = 0; i < n; i++) kept[i] = run(i);
  // Young-generation GCs first, as a reading meets them while it waits (they also drop the wrappers V8 leaves
  // around a string flattened in place), then full ones.
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  gc();
  gc();
  const after = getHeapStatistics().used_heap_size;
  if (kept.length !== n) throw new Error('lost');
  return (after - before) / n;
}

/** Bytes allocated per call of `run` over `n` inputs, when no GC ran meanwhile (else NaN). */
async function allocated(n: number, run: (i: number) => unknown): Promise<number> {
  const sink: unknown[] = new Array(n);
  gc();
  gc();
  await settleGc();
  const gc0 = gcMs;
  const before = getHeapStatistics().used_heap_size;
  for (let i = 0; i < n; i++) sink[i] = run(i);
  const after = getHeapStatistics().used_heap_size;
  await settleGc();
  return gcMs === gc0 ? (after - before) / n : Number.NaN;
}

// ---- run --------------------------------------------------------------------------------------------------------
const scratch = mkdtempSync(join(tmpdir(), 'vw-micro-admit-'));
const fmt = (x: number) => x.toFixed(0).padStart(6);
const pct = (x: number) => `${(x * 100).toFixed(0).padStart(3)}%`;
try {
  // Warm-up: JIT every path on a smaller round (its own seq range, below round 0's).
  {
    const warm = messages(0).slice(0, 20_000);
    phaseDecode(warm);
    phaseLine(decodeAll(warm));
  }
  const rows: Record<string, number[]> = {};
  const add = (k: string, v: number) => (rows[k] ??= []).push(v);
  for (let round = 1; round <= ROUNDS; round++) {
    const msgs = messages(round);
    const skip = (phase: string) => args.only !== undefined && args.only !== phase;
    const none = { ns: Number.NaN, gc: Number.NaN };
    const d = skip('decode') ? none : await timeSync(() => phaseDecode(msgs));
    const decoded = skip('line') && skip('complete') ? [] : decodeAll(msgs);
    const l = skip('line') ? none : await timeSync(() => phaseLine(decoded));
    const a = skip('admit') ? { sync: Number.NaN, cpu: Number.NaN, wall: Number.NaN, gc: Number.NaN } : await phaseAdmit(msgs, scratch);
    const c = skip('complete') ? none : await timeSync(() => phaseComplete(decoded));
    add('decode', d.ns), add('line', l.ns), add('admit sync', a.sync), add('admit cpu', a.cpu), add('complete', c.ns);
    console.log(
      `round ${round}: decode ${fmt(d.ns)} (gc ${pct(d.gc)})  line ${fmt(l.ns)} (gc ${pct(l.gc)})  ` +
        `admit sync ${fmt(a.sync)} cpu ${fmt(a.cpu)} wall ${fmt(a.wall)} (gc ${pct(a.gc)})  complete ${fmt(c.ns)} (gc ${pct(c.gc)})  ns/reading`,
    );
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  console.log(`median: ${Object.entries(rows).map(([k, xs]) => `${k} ${median(xs).toFixed(0)}`).join(', ')} ns/reading`);
  if (args.only === undefined) await measureMemory();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

/** Allocation per reading (young generation) on fresh payloads, and what a spooled reading keeps. */
async function measureMemory(): Promise<void> {
  const n = 5_000;
  const msgs = messages(ROUNDS + 1).slice(0, n);
  const decodeBytes = await allocated(n, (i) => decodeOne(msgs[i]!));
  const decoded = decodeAll(msgs);
  const lineBytes = await allocated(n, (i) => toLineProtocol(decoded[i]!.reading, decoded[i]!.device, decoded[i]!.tsMs));
  const dir = mkdtempSync(join(scratch, 'spool-'));
  const { spool, admitter } = await newAdmitter(dir);
  const fresh = messages(ROUNDS + 2).slice(0, n);
  const pending: Promise<unknown>[] = [];
  const admitBytes = await allocated(n, (i) => pending.push(admitter.admit(fresh[i]!)));
  await Promise.all(pending);
  await spool.close();
  const tracker = createCompletenessTracker(openDatabase(':memory:'), { timeZone: 'Asia/Shanghai' });
  const completeBytes = await allocated(n, (i) => tracker.record(decoded[i]!.device.id, decoded[i]!.reading.seq, decoded[i]!.tsMs));
  console.log(
    `allocated bytes/reading: decode ${decodeBytes.toFixed(0)}, line ${lineBytes.toFixed(0)}, ` +
      `admit sync ${admitBytes.toFixed(0)} (payload Buffers not included), complete ${completeBytes.toFixed(0)}`,
  );
  // What a spooled reading holds on the heap until InfluxDB answers: the object and its line as the spool keeps it
  // (after encoding; frames are Buffer-pool memory outside the heap).
  const keptBytes = retained(n, (i) => {
    const { reading, device, tsMs } = decoded[i]!;
    const spooled = { deviceId: device.id, kind: device.kind, seq: reading.seq, tsMs, line: toLineProtocol(reading, device, tsMs) };
    encodeSpooledReading(spooled);
    return spooled;
  });
  console.log(`kept bytes/spooled reading: ${keptBytes.toFixed(0)}`);
}
