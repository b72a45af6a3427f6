/**
 * Microbenchmark of the rules engine's device-rule path (issue 7), one reading at a time through the real parts:
 * registry, alert store and condition state in SQLite (`:memory:`), the alert manager, the observer (folding repeats
 * every 60 s, the RULES_REPEAT_UPDATE_MS default) and the device monitor. Not part of `npm test`.
 *
 *   npx node bench/micro/device-rules.ts [--readings 200000] [--devices 200] [--mode feed|handle] [--runs 1]
 *   npx node --expose-gc --min-semi-space-size=64 bench/micro/device-rules.ts   # also bytes allocated per reading
 *
 * `handle`: `monitor.handle()` alone, back to back. `feed`: the in-process feed into the engine's reading handler (as
 * wired by start-rules-engine.ts, timed into `vectorwatch_rules_reading_seconds`), each reading pushed once the
 * previous one is done, as ingest pushes them in the stack (each from a continuation of its own).
 *
 * The fleet is the demo plan (devices-sim/fleet.ts) with the simulator's profiles, stepped one reporting interval per
 * reading, stamped with an engine clock advancing 0.1 ms per reading (10,000 readings/s), ts mostly ISO. Every
 * fifth bin reports over its full level and every tenth battery-powered device a low battery, so repeat breaches
 * are folded. Readings reach the engine handed over by ingest (contracts/telemetry-handoff.ts), as in one process.
 * Prints ns per reading: wall time, overall and the median over chunks of 1,000 readings (which shrugs off bursts of a
 * VM's CPU steal), and the process's CPU time (GC threads included); with --expose-gc the JS heap allocated per
 * reading (median over chunks during which no GC ran); then the engine's counts and a digest of the alert tables: an
 * optimisation must not change them (nor do they differ between the modes).
 */
import { createHash } from 'node:crypto';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Registry as MetricsRegistry } from 'prom-client';
import type { PolicyPack, RangePack } from '../../contracts/rule-pack.ts';
import { markValidated } from '../../contracts/telemetry-handoff.ts';
import type { DeviceKind, Telemetry } from '../../contracts/telemetry.ts';
import { deviceTopic } from '../../contracts/topics.ts';
import { planFleet } from '../../devices-sim/fleet.ts';
import { createProfile } from '../../devices-sim/profiles/index.ts';
import type { DeviceProfile } from '../../devices-sim/profiles/types.ts';
import { buildReading } from '../../devices-sim/reading.ts';
import { silentLogger } from '../../platform/logger.ts';
import { openDatabase } from '../../platform/sqlite.ts';
import { openRegistry } from '../../registry/registry.ts';
import { loadDemoReference } from '../../registry/seed.ts';
import { createAlertStore } from '../../rules/alerts/alert-store.ts';
import { createAlertManager } from '../../rules/alerts/lifecycle.ts';
import { loadAlertPolicy } from '../../rules/engine/alert-policy.ts';
import { createDeviceMonitor } from '../../rules/engine/device-monitor.ts';
import { buildDeviceRules } from '../../rules/engine/device-rules.ts';
import { createDeviceState } from '../../rules/engine/device-state.ts';
import { createInProcessFeed } from '../../rules/engine/in-process-feed.ts';
import { createRulesMetrics } from '../../rules/engine/metrics.ts';
import { createObserver } from '../../rules/engine/observer.ts';
import { loadPacks } from '../../rules/load-packs.ts';

const { values: args } = parseArgs({
  options: {
    readings: { type: 'string', default: '200000' },
    devices: { type: 'string', default: '200' },
    mode: { type: 'string', default: 'feed' },
    runs: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '20000' },
  },
});
const mode = args.mode === 'handle' ? 'handle' : 'feed';
const gc = (globalThis as { gc?: () => void }).gc;

const T0 = Date.parse('2026-07-01T08:00:00+08:00');
const TICK_MS = 0.1; // engine time per reading: 10,000 readings/s
const CHUNK = 10_000; // readings generated ahead of timing; also the state flush period (1 s of engine time)
const ALLOC_CHUNK = 1_000;
const FOLD_MS = 60_000;
const OBSERVER_FLUSH_MS = 30_000; // RULES_TICK_MS default

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function run(runNo: number): Promise<void> {
  const clock = { now: T0 };
  const now = () => Math.floor(clock.now);
  const db = openDatabase(':memory:');
  const ref = loadDemoReference();
  const registry = openRegistry(db, { clock: now });
  registry.upsertReference(ref);
  const registrations = planFleet(ref, { devices: Number(args.devices), seed: 7 });
  for (const reg of registrations) registry.registerDevice(reg);

  const packs = loadPacks();
  const policy = loadAlertPolicy();
  const binPack = packs.get('bin-policy') as PolicyPack;
  const rules = buildDeviceRules({ water: packs.get('gb-5749-2022') as RangePack, bin: binPack }, policy);
  const store = createAlertStore(db);
  const manager = createAlertManager({ store, clock: now, publish: [{ name: 'none', publish: async () => {} }], logger: silentLogger });
  const observer = createObserver(manager, store, { foldRepeatsMs: FOLD_MS, clock: now });
  const state = createDeviceState(db);
  const monitor = createDeviceMonitor({ rules, binRules: binPack.rules, observer, state, directory: registry, registry, clock: now, logger: silentLogger });
  const metrics = createRulesMetrics(new MetricsRegistry());

  let handled = 0;
  // Mirrors the reading handler start-rules-engine.ts subscribes to the in-process feed.
  const onReading = (topic: string, payload: Buffer): void => {
    const t0 = performance.now();
    monitor.handle(topic, payload);
    metrics.readingSeconds.observe((performance.now() - t0) / 1000);
    handled += 1;
  };
  const feed = createInProcessFeed({ logger: silentLogger });
  const subscription = mode === 'feed' ? feed.subscribe(onReading) : undefined;

  const fleet = registrations.map((reg, i) => ({
    reg,
    topic: deviceTopic(reg.id, 'telemetry'),
    profile: createProfile(reg, 7, ref) as DeviceProfile,
    periodS: policy.deviceHealth.defaultIntervalS[reg.kind as DeviceKind],
    profileMs: T0 - 30 * 86_400_000,
    seq: 0,
    epochTs: i % 5 === 4, // the simulator's share of devices stamping epoch ms
    lowBattery: i % 10 === 3,
    overfull: reg.kind === 'bin_sensor' && i % 5 === 0,
  }));

  let next = 0;
  const generate = (n: number): [string, Buffer][] => {
    const out: [string, Buffer][] = [];
    for (let k = 0; k < n; k++, next++) {
      const d = fleet[next % fleet.length]!;
      d.profileMs += d.periodS * 1000;
      const fields = d.profile.next(d.profileMs, d.periodS) as Record<string, unknown>;
      if (d.lowBattery && 'battery' in fields) fields.battery = 12;
      if (d.overfull) fields.fillPct = Math.max(90, fields.fillPct as number);
      const tsMs = Math.floor(T0 + (next + 1) * TICK_MS) - 1;
      const reading = buildReading(d.reg.kind, d.seq++, tsMs, fields as never, d.epochTs ? 'epoch' : 'iso') as Telemetry;
      const payload = Buffer.from(JSON.stringify(reading));
      markValidated(payload, reading); // ingest's hand-over in one process
      out.push([d.topic, payload]);
    }
    return out;
  };

  const gcTimes: [number, number][] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcTimes.push([e.startTime, e.startTime + e.duration]);
  });
  gcObserver.observe({ entryTypes: ['gc'] });

  let lastObserverFlush = clock.now;
  let cpuUs = 0; // user + system CPU of the timed parts
  const chunkNs: number[] = []; // per reading, by chunk of 1,000: their median shrugs off bursts of CPU steal
  async function feedChunk(chunk: [string, Buffer][], timed: boolean, perAlloc: number[], spans: [number, number][]): Promise<number> {
    let elapsed = 0;
    for (let start = 0; start < chunk.length; start += ALLOC_CHUNK) {
      const part = chunk.slice(start, start + ALLOC_CHUNK);
      if (timed && gc) gc();
      const h0 = process.memoryUsage().heapUsed;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      if (mode === 'handle') {
        for (const [topic, payload] of part) {
          clock.now += TICK_MS;
          void monitor.handle(topic, payload);
        }
      } else {
        for (const [topic, payload] of part) {
          clock.now += TICK_MS;
          const target = handled + 1;
          feed.push(topic, payload);
          // Ingest pushes each reading from a continuation of its own, after the previous one's microtasks have run:
          // yield once, then as often as the feed needs to finish the reading.
          await null;
          while (handled < target) await null;
        }
      }
      const t1 = performance.now();
      const c1 = process.cpuUsage(c0);
      const h1 = process.memoryUsage().heapUsed;
      elapsed += t1 - t0;
      if (timed) cpuUs += c1.user + c1.system;
      if (timed) chunkNs.push(((t1 - t0) * 1e6) / part.length);
      if (timed && gc) {
        perAlloc.push((h1 - h0) / part.length);
        spans.push([t0, t1]);
      }
    }
    const t2 = performance.now();
    const c2 = process.cpuUsage();
    state.flush();
    if (clock.now - lastObserverFlush >= OBSERVER_FLUSH_MS) {
      lastObserverFlush = clock.now;
      await observer.flush();
    }
    elapsed += performance.now() - t2;
    const c3 = process.cpuUsage(c2);
    if (timed) cpuUs += c3.user + c3.system;
    await new Promise((r) => setImmediate(r)); // publishing of the chunk's transitions, untimed
    return elapsed;
  }

  const warmup = Number(args.warmup);
  for (let done = 0; done < warmup; done += CHUNK) await feedChunk(generate(Math.min(CHUNK, warmup - done)), false, [], []);
  const total = Number(args.readings);
  let elapsed = 0;
  const perAlloc: number[] = [];
  const spans: [number, number][] = [];
  for (let done = 0; done < total; done += CHUNK) elapsed += await feedChunk(generate(Math.min(CHUNK, total - done)), true, perAlloc, spans);
  await subscription?.close();
  await manager.idle();
  await new Promise((r) => setTimeout(r, 10));
  gcObserver.disconnect();

  // Chunks during which a GC ran say nothing about allocation.
  const clean = perAlloc.filter((_, i) => !gcTimes.some(([a, b]) => a < spans[i]![1] && b > spans[i]![0]));
  const alloc = gc ? (clean.length > 0 ? `${Math.round(median(clean))} B/reading (median of ${clean.length} GC-free chunks)` : 'no GC-free chunk') : 'n/a (run with --expose-gc)';

  const alerts = db.prepare(`SELECT key, state, severity, opened_at_ms, data ->> '$.count' AS count, data ->> '$.lastValue' AS last_value
    FROM alerts ORDER BY key, opened_at_ms`).all();
  const conditions = db.prepare('SELECT * FROM alert_conditions ORDER BY key').all();
  const events = db.prepare('SELECT transition, count(*) AS n FROM alert_events GROUP BY transition ORDER BY transition').all();
  const digest = createHash('sha256').update(JSON.stringify([alerts, conditions, events])).digest('hex').slice(0, 12);
  const s = monitor.stats();
  console.log(
    `run ${runNo} mode=${mode} readings=${total}: ${((elapsed * 1e6) / total).toFixed(0)} ns/reading wall (median chunk ${median(chunkNs).toFixed(0)}), ` +
      `${((cpuUs * 1e3) / total).toFixed(0)} ns/reading CPU, ${alloc}; ` +
      `evaluated=${s.evaluated} skipped=${JSON.stringify(Object.fromEntries(Object.entries(s.skipped).filter(([, n]) => n > 0)))} ` +
      `observer=${JSON.stringify(observer.stats())} alerts=${alerts.length} events=${JSON.stringify(Object.fromEntries(events.map((e) => [e.transition, e.n])))} digest=${digest}`,
  );
  db.close();
}

for (let r = 1; r <= Number(args.runs); r++) await run(r);
