/**
 * Rules-engine benchmark (issue 3): `node bench/rules-latency.ts [--rate 20] [--seconds 30] [--background 200]
 * [--devices 2000] [--interval-min 60] [--runs 3]`. Not part of `npm test`.
 *
 * 1. Device-rule latency: water probes alternate 2.5 mg/L (above the GB 5749-2022 2 mg/L limit) and 0.5 mg/L, so
 *    every reading is a transition (opened, then auto-resolved). Time from the device's publish to the alert event
 *    arriving at an MQTT subscriber of `alerts/#`, at a fixed rate, while a simulated background fleet reports
 *    through the same broker, ingest and engine. Prints p50/p95/p99/max.
 * 2. Density evaluation: synthetic readings for `--devices` devices (rodent stations, light traps, sticky traps over
 *    the 16 demo sites) every `--interval-min` minutes since the start of the current month, written straight to
 *    InfluxDB; then the time of a full evaluation (month and ISO week, every scope, points written, alerts observed).
 * Real parts throughout: influxd, the aedes broker over TCP, ingest, the engine, the registry in SQLite.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { parseArgs } from 'node:util';
import type { AlertEvent } from '../contracts/alert.ts';
import type { DeviceKind } from '../contracts/telemetry.ts';
import { planFleet } from '../devices-sim/fleet.ts';
import { provisionFleet } from '../devices-sim/provision.ts';
import { runFleet } from '../devices-sim/run-fleet.ts';
import { loadDemoReference } from '../registry/seed.ts';
import { periodOf } from '../rules/periods.ts';
import { publish, startTestStack, TEST_ADMIN_TOKEN } from '../test/harness.ts';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '30' },
    probes: { type: 'string', default: '10' },
    background: { type: 'string', default: '200' },
    'background-interval-ms': { type: 'string', default: '1000' },
    devices: { type: 'string', default: '2000' },
    'interval-min': { type: 'string', default: '60' },
    runs: { type: 'string', default: '3' },
  },
});
const num = (k: keyof typeof args) => Number(args[k]);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const stack = await startTestStack({ RULES_EVAL_INTERVAL_MS: '3600000', RULES_TICK_MS: '3600000', LOG_LEVEL: 'silent' });
try {
  // ---- 1. device-rule latency ------------------------------------------------------------------------------------
  const background = num('background');
  let fleet: Awaited<ReturnType<typeof runFleet>> | undefined;
  if (background > 0) {
    const ref = loadDemoReference();
    const registrations = planFleet(ref, { devices: background, seed: 7 });
    const devices = await provisionFleet({ apiUrl: stack.httpUrl, adminToken: TEST_ADMIN_TOKEN, registrations });
    fleet = await runFleet({ url: stack.mqttUrl, devices, intervalMs: num('background-interval-ms'), seed: 7, ref });
  }
  const watcher = await new Promise<MqttClient>((resolve, reject) => {
    const c = mqtt.connect(stack.mqttUrl, { clientId: 'svc:api-bench', username: 'svc:api', password: stack.servicePassword, protocolVersion: 4 });
    c.once('connect', () => c.subscribe('alerts/#', { qos: 1 }, (err) => (err ? reject(err) : resolve(c))));
    c.once('error', reject);
  });
  // Per probe and transition, events arrive in publish order: match them first in, first out.
  const waiting = new Map<string, { t0: number; done: (ms: number) => void }[]>();
  watcher.on('message', (_t, payload) => {
    if (payload.length === 0) return;
    const e = JSON.parse(payload.toString('utf8')) as AlertEvent;
    if (e.transition !== 'opened' && !(e.transition === 'resolved' && e.alert.resolution === 'auto')) return;
    const w = waiting.get(`${e.alert.deviceId}:${e.transition}`)?.shift();
    if (w) w.done(performance.now() - w.t0);
  });

  const probes: { id: string; client: MqttClient; seq: number; high: boolean }[] = [];
  for (let i = 0; i < num('probes'); i++) {
    const id = `bench-wp-${i}`;
    const cred = await stack.register({ id, kind: 'water_probe', siteId: 'yx-water-xicun', samplingPoint: 'tap' });
    probes.push({ id, client: await stack.connectDevice(cred), seq: 0, high: false });
  }
  const rate = num('rate');
  const total = Math.round(rate * num('seconds'));
  const latencies: number[] = [];
  let lost = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let n = 0; n < total; n++) {
    const due = start + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const p = probes[n % probes.length] as (typeof probes)[number];
    p.high = !p.high;
    const transition = p.high ? 'opened' : 'resolved';
    const key = `${p.id}:${transition}`;
    const t0 = performance.now();
    pending.push(
      new Promise<void>((resolve) => {
        const queue = waiting.get(key) ?? [];
        waiting.set(key, queue);
        const entry = {
          t0,
          done: (ms: number) => {
            clearTimeout(timer);
            latencies.push(ms);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          queue.splice(queue.indexOf(entry), 1);
          lost += 1;
          resolve();
        }, 10_000);
        queue.push(entry);
      }),
    );
    const reading = { v: 1, kind: 'water_probe', seq: ++p.seq, ts: Date.now(), ph: 7.2, turbidityNtu: 0.2, freeChlorineMgL: p.high ? 2.5 : 0.5 };
    void publish(p.client, `devices/${p.id}/telemetry`, JSON.stringify(reading));
  }
  await Promise.all(pending);
  const fleetStats = fleet?.stats();
  await fleet?.stop();
  await watcher.endAsync(true);
  const sorted = [...latencies].sort((a, b) => a - b);

  // ---- 2. density evaluation -------------------------------------------------------------------------------------
  const devices = num('devices');
  const intervalMs = num('interval-min') * 60_000;
  const ref = loadDemoReference();
  const sites = ref.sites.filter((s) => s.type !== 'waterworks');
  const kinds: [DeviceKind, number][] = [['rodent_station', 0.5], ['mosquito_trap', 0.2], ['sticky_trap', 0.3]];
  const now = Date.now();
  const month = periodOf('month', now, stack.config.TIME_ZONE);
  let points = 0;
  const tWrite = performance.now();
  let lines: string[] = [];
  const flush = async () => {
    if (lines.length === 0) return;
    await stack.influx.write(lines.join('\n'));
    points += lines.length;
    lines = [];
  };
  let made = 0;
  for (const [kind, share] of kinds) {
    const count = Math.round(devices * share);
    for (let i = 0; i < count; i++, made++) {
      const site = sites[made % sites.length] as (typeof sites)[number];
      const id = `bench-${kind.replace('_', '-')}-${i}`;
      stack.registry.registerDevice({ id, kind, siteId: site.id, placement: i % 3 === 0 ? 'outdoor' : 'indoor' });
      const tags = `contractor=${site.contractorId},device=${id},district=${site.districtId},site=${site.id}`;
      let seq = 0;
      for (let t = month.startMs + (i % 60) * 1000; t < now; t += intervalMs) {
        seq += 1;
        const ns = `${BigInt(t) * 1_000_000n + BigInt(seq % 1_000_000)}`;
        const periodS = intervalMs / 1000;
        if (kind === 'rodent_station') lines.push(`rodent_station,${tags} seq=${seq}i,periodS=${periodS}i,visits=${(seq * 7 + i) % 11 === 0 ? 1 : 0}i,caught=0i,baitPct=80,lidOpen=false ${ns}`);
        else if (kind === 'mosquito_trap') lines.push(`mosquito_trap,${tags} seq=${seq}i,periodS=${periodS}i,females=${(seq + i) % 5}i ${ns}`);
        else lines.push(`sticky_trap,${tags} seq=${seq}i,periodS=${periodS}i,target="${i % 2 === 0 ? 'fly' : 'cockroach'}",count=${(seq + i) % 3}i ${ns}`);
        if (lines.length >= 5000) await flush();
      }
    }
  }
  await flush();
  const writeS = (performance.now() - tWrite) / 1000;
  const engine = stack.rules.engine();
  if (!engine) throw new Error('engine not running');
  const runs: { durationMs: number; periods: { kind: string; queryMs: number; points: number; devices: number }[] }[] = [];
  await engine.evaluateDensity(); // warm-up (InfluxDB caches, first-time shard reads)
  // Where the time goes: each aggregate query of the month alone.
  const where = `time >= ${month.startMs}ms AND time < ${month.endMs}ms`;
  const queryTimes: Record<string, string> = {};
  for (const [name, q] of [
    ['rodent (GROUP BY device)', `SELECT count("seq"), sum("visits"), sum("caught"), sum("periodS") FROM "rodent_station" WHERE ${where} GROUP BY "device", "site", "district"`],
    ['sticky (GROUP BY device)', `SELECT count("seq"), sum("count"), last("target") FROM "sticky_trap" WHERE ${where} GROUP BY "device", "site", "district"`],
    ['light traps (GROUP BY 1h, device)', `SELECT count("seq"), sum("females"), sum("periodS") FROM "mosquito_trap" WHERE ${where} GROUP BY time(1h, 1ms), "device", "site", "district" fill(none)`],
  ] as const) {
    const t0 = performance.now();
    const series = await stack.influx.query(q);
    queryTimes[name] = `${Math.round(performance.now() - t0)} ms (${series.reduce((n, s) => n + s.values.length, 0)} rows)`;
  }
  for (let r = 0; r < num('runs'); r++) runs.push(await engine.evaluateDensity());
  const durations = runs.map((r) => r.durationMs).sort((a, b) => a - b);

  console.log('\nRules engine benchmark (real influxd, aedes over TCP, ingest, rules engine, SQLite)\n');
  console.log('Device rule: publish → alert event on MQTT (water probe, free chlorine 2.5 ↔ 0.5 mg/L, every reading a transition)');
  console.table({
    'rate (readings/s)': rate,
    'transitions measured': latencies.length,
    'lost (>10 s)': lost,
    'background devices': background,
    'background msgs sent': fleetStats?.sent ?? 0,
    p50: fmt(pct(sorted, 50)),
    p95: fmt(pct(sorted, 95)),
    p99: fmt(pct(sorted, 99)),
    max: fmt(sorted.at(-1) ?? NaN),
  });
  console.log(`Density evaluation: ${devices} devices, one reading each ${num('interval-min')} min since ${month.label}-01 (${points} points, written in ${writeS.toFixed(1)} s)`);
  console.table({
    'periods evaluated': runs[0]?.periods.map((p) => p.kind).join(', '),
    'scopes per period': `${stack.registry.listSites().length + stack.registry.listDistricts().length + 1}`,
    'indicator points per run': runs[0]?.periods.reduce((s, p) => s + p.points, 0),
    'devices reporting (month)': runs[0]?.periods[0]?.devices,
    'query ms (month, week)': runs.map((r) => r.periods.map((p) => p.queryMs).join('/')).join(', '),
    'full evaluation p50': `${durations[Math.floor(durations.length / 2)]} ms`,
    'full evaluation max': `${durations.at(-1)} ms`,
  });
  console.log('Month queries alone:');
  console.table(queryTimes);
} finally {
  await stack.stop();
}
process.exit(0);
