/**
 * Scenario 2: at a fixed rate, publish → queryable in InfluxDB and publish → device-rule alert on MQTT.
 *
 * - Stored: a sample of devices (every 10th of the fleet plus the probes) keeps each reading's publish time. A poller
 *   asks InfluxDB every `pollMs` for each sampled device's highest stored seq; ingest keeps a device's readings in
 *   order, so every seq up to it is queryable when the answer arrives. Each latency is therefore an upper bound,
 *   late by at most one poll interval plus the query's own time.
 * - Alert: water probes alternate 0.5 and 2.5 mg/L free chlorine (limit 2 mg/L), so every reading is a transition
 *   (`opened`, then `resolved` automatically); an MQTT subscriber of `alerts/#` matches events to readings first in,
 *   first out per probe and transition (as bench/rules-latency.ts does).
 */
import { loadavg } from 'node:os';
import mqtt from 'mqtt';
import type { AlertEvent } from '../../contracts/alert.ts';
import type { DeviceRegistration } from '../../contracts/registry.ts';
import { GeneratorPool } from '../load/generator-pool.ts';
import { ALTERNATING_PROBE_TAILS, type LoadDevice } from '../load/payloads.ts';
import { summarise, type LatencySummary } from '../quantiles.ts';
import { startStackUnderTest } from '../stacks.ts';
import { BENCH_SERVICE_PASSWORD } from '../systems/vectorwatch.ts';
import { fleetPlan, loadDevices, type World } from '../world.ts';
import { round, type ProcessFigures } from './measure.ts';
import { ProcMeter } from '../proc-stats.ts';

export interface LatencyOptions {
  devices: number;
  ratePerS: number;
  probes: number;
  probeRatePerS: number;
  seconds: number;
  pollMs: number;
  log: (line: string) => void;
}

export interface LatencyResult {
  ratePerS: number;
  seconds: number;
  devices: number;
  probes: number;
  probeRatePerS: number;
  pollMs: number;
  publishToAckMs: LatencySummary;
  publishToStoredMs: LatencySummary;
  publishToAlertMs: LatencySummary;
  /** Probe readings whose alert never arrived within 30 s. */
  alertsMissing: number;
  /** Sampled readings never seen stored. */
  storedMissing: number;
  processes: Record<string, ProcessFigures>;
  /** 1-minute load average when the run ended (other jobs on the machine show here). */
  loadAvg1: number;
}

const nowMs = () => performance.timeOrigin + performance.now();

export async function runLatency(world: World, opts: LatencyOptions): Promise<LatencyResult> {
  const plan = fleetPlan(world.ref, opts.devices, 'lat-');
  const probes: DeviceRegistration[] = Array.from({ length: opts.probes }, (_, i) => ({
    id: `lat-probe-${i}`, kind: 'water_probe', siteId: 'yx-water-xicun', placement: 'indoor', samplingPoint: 'tap',
  }));
  const stack = await startStackUnderTest('vectorwatch', world, [...plan, ...probes]);
  const fleetGen = new GeneratorPool(1);
  const probeGen = new GeneratorPool(1);
  const watcher = await mqtt.connectAsync(stack.mqttUrl, { clientId: 'svc:api-bench-latency', username: 'svc:api', password: BENCH_SERVICE_PASSWORD, protocolVersion: 4 });
  try {
    const sampled = new Set([...plan.filter((_, i) => i % 10 === 0).map((r) => r.id), ...probes.map((p) => p.id)]);
    const probeDevices: LoadDevice[] = probes.map((p) => ({ id: p.id, password: stack.passwords?.get(p.id), kind: 'water_probe', tails: [...ALTERNATING_PROBE_TAILS] }));
    const base = { keepaliveS: 60, window: 100, connectConcurrency: 50, firstSeq: 1, url: stack.mqttUrl, record: [...sampled] };
    await fleetGen.connect(loadDevices(world.ref, plan, stack.passwords), base);
    await probeGen.connect(probeDevices, base);
    await fleetGen.run({ ratePerS: Math.min(opts.ratePerS, 1000), seconds: 3 }); // warm-up

    // Alerts: first in, first out per probe and transition.
    const alertAt = new Map<string, number[]>();
    watcher.on('message', (_t, payload) => {
      if (payload.length === 0) return;
      const e = JSON.parse(payload.toString('utf8')) as AlertEvent;
      if (!e.alert.deviceId?.startsWith('lat-probe-')) return;
      if (e.transition !== 'opened' && !(e.transition === 'resolved' && e.alert.resolution === 'auto')) return;
      const key = `${e.alert.deviceId}:${e.transition}`;
      const list = alertAt.get(key) ?? [];
      list.push(nowMs());
      alertAt.set(key, list);
    });
    await watcher.subscribeAsync('alerts/#', { qos: 1 });

    // Stored: highest stored seq per sampled device, polled.
    const kinds = new Map([...plan, ...probes].map((r) => [r.id, r.kind]));
    const byKind = new Map<string, string[]>();
    for (const id of sampled) byKind.set(kinds.get(id)!, [...(byKind.get(kinds.get(id)!) ?? []), id]);
    const storedUpTo = new Map<string, { seq: number; atMs: number }[]>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const t = performance.now();
        for (const [kind, ids] of byKind) {
          const re = ids.map((id) => id.replace(/[^A-Za-z0-9_-]/g, '')).join('|');
          const series = await stack.influx.query(`SELECT max("seq") FROM "${kind}" WHERE time > now() - 2m AND "device" =~ /^(${re})$/ GROUP BY "device"`).catch(() => []);
          const at = nowMs();
          for (const s of series) {
            const id = s.tags?.['device'];
            const seq = Number(s.values[0]?.[1]);
            if (!id || !Number.isFinite(seq)) continue;
            const list = storedUpTo.get(id) ?? [];
            if ((list.at(-1)?.seq ?? -1) < seq) list.push({ seq, atMs: at });
            storedUpTo.set(id, list);
          }
        }
        const wait = opts.pollMs - (performance.now() - t);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    })();

    const meter = new ProcMeter(new Map([...stack.pids, ['influxd', world.influxd.pid!]]));
    meter.start();
    const t0 = performance.now();
    const [fleetRun, probeRun] = await Promise.all([
      fleetGen.run({ ratePerS: opts.ratePerS - opts.probeRatePerS, seconds: opts.seconds }),
      probeGen.run({ ratePerS: opts.probeRatePerS, seconds: opts.seconds }),
    ]);
    const usage = meter.stop();
    const wallS = (performance.now() - t0) / 1000;
    // Let the last readings and alerts arrive.
    await new Promise((r) => setTimeout(r, 5000));
    polling = false;
    await poller;

    const recorded = [...fleetRun.recorded, ...probeRun.recorded];
    const ackLat = recorded.map(([, , pub, ack]) => ack - pub);
    const storedLat: number[] = [];
    let storedMissing = 0;
    for (const [id, seq, pub] of recorded) {
      const hit = storedUpTo.get(id)?.find((s) => s.seq >= seq);
      if (hit) storedLat.push(hit.atMs - pub);
      else storedMissing++;
    }
    // Probe readings in seq order; odd seqs carry 2.5 mg/L (opened), even ones 0.5 mg/L (resolved, once opened).
    const alertLat: number[] = [];
    let alertsMissing = 0;
    const probeRecords = probeRun.recorded.filter(([id]) => id.startsWith('lat-probe-')).sort((a, b) => a[1] - b[1]);
    const cursor = new Map<string, number>();
    const firstSeq = new Map(probeRun.devices.map((d) => [d.id, d.firstSeq]));
    for (const [id, seq, pub] of probeRecords) {
      const transition = seq % 2 === 1 ? 'opened' : 'resolved';
      if (transition === 'resolved' && seq === firstSeq.get(id)) continue; // nothing open yet
      const key = `${id}:${transition}`;
      const i = cursor.get(key) ?? 0;
      cursor.set(key, i + 1);
      const at = alertAt.get(key)?.[i];
      if (at === undefined) alertsMissing++;
      else alertLat.push(at - pub);
    }
    const processes: Record<string, ProcessFigures> = {};
    for (const [name, u] of usage) {
      processes[name] = { cpuPct: round((100 * u.cpuS) / wallS), cpuS: round(u.cpuS, 2), rssMeanMiB: round(u.rssMeanBytes / 2 ** 20), rssPeakMiB: round(u.rssPeakBytes / 2 ** 20) };
    }
    const result: LatencyResult = {
      ratePerS: opts.ratePerS, seconds: opts.seconds, devices: opts.devices, probes: opts.probes, probeRatePerS: opts.probeRatePerS, pollMs: opts.pollMs,
      publishToAckMs: summarise(ackLat), publishToStoredMs: summarise(storedLat), publishToAlertMs: summarise(alertLat), alertsMissing, storedMissing, processes,
      loadAvg1: round(loadavg()[0] ?? Number.NaN, 2),
    };
    opts.log(`  latency at ${opts.ratePerS}/s: stored p99 ${result.publishToStoredMs.p99} ms, alert p99 ${result.publishToAlertMs.p99} ms (missing ${alertsMissing})`);
    return result;
  } finally {
    await watcher.endAsync(true);
    await fleetGen.close();
    await probeGen.close();
    await stack.stop();
  }
}
