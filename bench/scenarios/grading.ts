/**
 * Scenario 4a: the cost of a month's grading for one district as its devices grow. Synthetic readings (rodent
 * stations 50 %, light traps 20 %, sticky traps 30 %, over the district's sites, one every `intervalMin` through the
 * whole previous calendar month) are written straight to InfluxDB, the devices registered, and the stack started.
 * Its rules engine rolls the previous month up day by day (rules/engine/density/day-partials.ts), as it does in
 * service as each day closes: that catch-up is timed with its CPU (`vectorwatch_rules_rollup_missing_days` reaching
 * 0 on /metrics). Then `GET /api/grades?scope=district:<id>&period=<month>` is timed, with the stack's RSS sampled
 * every 20 ms during the request, and its `sensorData` must say that every day came from the roll-up.
 */
import type { DeviceKind } from '../../contracts/telemetry.ts';
import type { DeviceRegistration } from '../../contracts/registry.ts';
import { periodOf } from '../../rules/periods.ts';
import { ProcMeter, sampleProcess } from '../proc-stats.ts';
import { summarise, type LatencySummary } from '../quantiles.ts';
import { startStackUnderTest } from '../stacks.ts';
import { BENCH_ADMIN_TOKEN } from '../systems/vectorwatch.ts';
import type { World } from '../world.ts';
import { round } from './measure.ts';

export interface GradingOptions {
  sizes: number[];
  intervalMin: number;
  district: string;
  runs: number;
  log: (line: string) => void;
}

export interface GradingRow {
  devices: number;
  points: number;
  writeS: number;
  firstMs: number;
  ms: LatencySummary;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  rssDeltaMiB: number;
  /** CPU seconds over all runs: the stack (grading in JS) and influxd (the InfluxQL queries). */
  stackCpuS: number;
  influxdCpuS: number;
  status: number;
  /** The engine's catch-up: the month rolled up from raw readings, wall time and CPU of the stack and influxd. */
  rollUpS: number;
  rollUpStackCpuS: number;
  rollUpInfluxdCpuS: number;
  /** Days of the month the graded report read from the roll-up / from raw readings. */
  daysRolledUp: number;
  daysQueried: number;
}

export interface GradingResult {
  district: string;
  period: string;
  intervalMin: number;
  rows: GradingRow[];
}

const KINDS: [DeviceKind, number][] = [['rodent_station', 0.5], ['mosquito_trap', 0.2], ['sticky_trap', 0.3]];

function devicesFor(world: World, district: string, n: number): DeviceRegistration[] {
  const sites = world.ref.sites.filter((s) => s.districtId === district && s.type !== 'waterworks');
  const out: DeviceRegistration[] = [];
  for (const [kind, share] of KINDS) {
    const count = Math.round(n * share);
    for (let i = 0; i < count; i++) {
      const site = sites[(out.length + i) % sites.length]!;
      const base = { id: `g-${kind.replace('_', '-')}-${i}`, kind, siteId: site.id, placement: i % 3 === 0 ? ('outdoor' as const) : ('indoor' as const) };
      out.push(kind === 'sticky_trap' ? { ...base, placement: 'indoor' } : base);
    }
  }
  return out;
}

function lineFor(reg: DeviceRegistration, site: { contractorId: string; districtId: string }, i: number, seq: number, t: number, periodS: number): string {
  const tags = `contractor=${site.contractorId},device=${reg.id},district=${site.districtId},site=${reg.siteId}`;
  const ns = `${t}${String(seq % 1_000_000).padStart(6, '0')}`;
  if (reg.kind === 'rodent_station') return `rodent_station,${tags} seq=${seq}i,periodS=${periodS}i,visits=${(seq * 7 + i) % 11 === 0 ? 1 : 0}i,caught=0i,baitPct=80,lidOpen=false ${ns}`;
  if (reg.kind === 'mosquito_trap') return `mosquito_trap,${tags} seq=${seq}i,periodS=${periodS}i,females=${(seq + i) % 5}i,males=0i ${ns}`;
  return `sticky_trap,${tags} seq=${seq}i,periodS=${periodS}i,target="${i % 2 === 0 ? 'fly' : 'cockroach'}",count=${(seq + i) % 3}i ${ns}`;
}

export async function runGrading(world: World, opts: GradingOptions): Promise<GradingResult> {
  const influx = await world.freshDb('vectorwatch');
  const nowMs = Date.now();
  const thisMonth = periodOf('month', nowMs, 'Asia/Shanghai');
  const month = periodOf('month', thisMonth.startMs - 1, 'Asia/Shanghai');
  const label = month.label;
  const all = devicesFor(world, opts.district, Math.max(...opts.sizes));
  const siteOf = new Map(world.ref.sites.map((s) => [s.id, s]));
  const intervalMs = opts.intervalMin * 60_000;
  const rows: GradingRow[] = [];
  let written = 0;
  let points = 0;
  // Devices are taken in the same kind proportions at every size.
  const ordered = interleave(all);
  for (const size of [...opts.sizes].sort((a, b) => a - b)) {
    const regs = ordered.slice(0, size);
    const tw = performance.now();
    let lines: string[] = [];
    const flush = async () => {
      if (lines.length) await influx.write(lines.join('\n'), { timeoutMs: 120_000 });
      points += lines.length;
      lines = [];
    };
    for (let d = written; d < regs.length; d++) {
      const reg = regs[d]!;
      const site = siteOf.get(reg.siteId)!;
      let seq = 0;
      for (let t = month.startMs + (d % 60) * 1000; t < month.endMs; t += intervalMs) {
        lines.push(lineFor(reg, site, d, ++seq, t, intervalMs / 1000));
        if (lines.length >= 10_000) await flush();
      }
    }
    await flush();
    written = regs.length;
    const writeS = (performance.now() - tw) / 1000;
    // The engine at its default schedule (RULES_EVAL_INTERVAL_MS 60 s): the roll-up of the month runs after its first evaluation.
    const stack = await startStackUnderTest('vectorwatch', world, regs, { keepDb: true });
    try {
      const pid = stack.pids.get('vectorwatch')!;
      const auth = { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` };
      const rollMeter = new ProcMeter(new Map([['stack', pid], ['influxd', world.influxd.pid!]]));
      rollMeter.start();
      const tr = performance.now();
      for (let missing = Number.NaN; missing !== 0; ) {
        if (performance.now() - tr > 3_600_000) throw new Error('the rules engine did not roll the month up within an hour');
        await new Promise((r) => setTimeout(r, 1000));
        const text = await (await fetch(`${stack.httpUrl}/metrics`, { headers: auth })).text();
        const m = /^vectorwatch_rules_rollup_missing_days (\d+)/m.exec(text);
        missing = m ? Number(m[1]) : Number.NaN;
      }
      const rollUpS = (performance.now() - tr) / 1000;
      const rollCpu = rollMeter.stop();
      opts.log(`  grading ${size} devices: the engine rolled the month up in ${round(rollUpS)} s`);
      const url = `${stack.httpUrl}/api/grades?scope=district:${opts.district}&period=${label}`;
      let basis = { rolledUp: Number.NaN, queried: Number.NaN };
      const times: number[] = [];
      let status = 0;
      let peak = 0;
      const before = sampleProcess(pid)!.rssBytes;
      const meter = new ProcMeter(new Map([['stack', pid], ['influxd', world.influxd.pid!]]));
      meter.start();
      // Repeat for a median, unless one run already takes long.
      for (let r = 0; r < opts.runs && (times.at(-1) ?? 0) < 20_000; r++) {
        const sampler = setInterval(() => (peak = Math.max(peak, sampleProcess(pid)?.rssBytes ?? 0)), 20);
        const t0 = performance.now();
        const res = await fetch(url, { headers: auth, signal: AbortSignal.timeout(900_000) });
        const body = await res.text();
        times.push(performance.now() - t0);
        clearInterval(sampler);
        status = res.status;
        if (res.ok) basis = (JSON.parse(body) as { sensorData: typeof basis }).sensorData;
      }
      const cpu = meter.stop();
      const row: GradingRow = {
        devices: size, points, writeS: round(writeS), firstMs: round(times[0]!), ms: summarise(times), status,
        rssBeforeMiB: round(before / 2 ** 20), rssPeakMiB: round(peak / 2 ** 20), rssDeltaMiB: round((peak - before) / 2 ** 20),
        stackCpuS: round(cpu.get('stack')?.cpuS ?? Number.NaN, 2), influxdCpuS: round(cpu.get('influxd')?.cpuS ?? Number.NaN, 2),
        rollUpS: round(rollUpS), rollUpStackCpuS: round(rollCpu.get('stack')?.cpuS ?? Number.NaN, 1), rollUpInfluxdCpuS: round(rollCpu.get('influxd')?.cpuS ?? Number.NaN, 1),
        daysRolledUp: basis.rolledUp, daysQueried: basis.queried,
      };
      rows.push(row);
      opts.log(`  grading ${size} devices (${points} points): first ${row.firstMs} ms, p50 ${row.ms.p50} ms, RSS +${row.rssDeltaMiB} MiB, HTTP ${status}, days rolled up ${row.daysRolledUp} / queried ${row.daysQueried}; CPU stack ${row.stackCpuS} s, influxd ${row.influxdCpuS} s`);
    } finally {
      await stack.stop();
    }
  }
  return { district: opts.district, period: label, intervalMin: opts.intervalMin, rows };
}

/** Round-robin over kinds, so any prefix keeps the kind proportions. */
function interleave(regs: readonly DeviceRegistration[]): DeviceRegistration[] {
  const byKind = KINDS.map(([k]) => regs.filter((r) => r.kind === k));
  const out: DeviceRegistration[] = [];
  const weights = KINDS.map(([, s]) => s);
  const taken = KINDS.map(() => 0);
  while (out.length < regs.length) {
    // Take from the kind furthest below its share.
    let best = 0;
    let bestGap = -Infinity;
    for (let k = 0; k < KINDS.length; k++) {
      if (taken[k]! >= byKind[k]!.length) continue;
      const gap = weights[k]! * (out.length + 1) - taken[k]!;
      if (gap > bestGap) {
        bestGap = gap;
        best = k;
      }
    }
    out.push(byKind[best]![taken[best]!++]!);
  }
  return out;
}
