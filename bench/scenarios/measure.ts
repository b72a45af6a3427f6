/**
 * One measured run of the generator against a stack: publish at a rate for a while, wait until the stack has stored
 * what it is going to, compare per device, and meter every process. Shared by the throughput, peer and growth
 * scenarios.
 */
import { checkDelivery, storedCounts, waitForStored, type DeliveryCheck } from '../influx-check.ts';
import { loadavg } from 'node:os';
import type { GeneratorPool } from '../load/generator-pool.ts';
import type { RunReport } from '../load/generator.ts';
import { ProcMeter, type ProcUsage } from '../proc-stats.ts';
import type { StackUnderTest } from '../stacks.ts';

export interface ProcessFigures {
  cpuPct: number;
  cpuS: number;
  rssMeanMiB: number;
  rssPeakMiB: number;
}

export interface StepResult {
  offeredPerS: number;
  /** Readings published per second while publishing (below offered when the stack held the devices back). */
  sentPerS: number;
  ackedPerS: number;
  seconds: number;
  maxLagS: number;
  deferred: number;
  delivery: DeliveryCheck;
  /** From the end of publishing until the last reading was queryable. */
  drainS: number;
  /** Every acked reading stored exactly once, the offered rate published, and storage caught up within 10 s. */
  held: boolean;
  /** CPU of every process of the stack (not the generator) per stored reading, µs. */
  cpuUsPerReading: number;
  processes: Record<string, ProcessFigures>;
  generator: ProcessFigures;
  /** 1-minute load average at the end of the step: above ~2 (the cores) plus what this bench runs means other jobs. */
  loadAvg1: number;
}

const MiB = 2 ** 20;

function figures(u: ProcUsage, wallS: number): ProcessFigures {
  return { cpuPct: round((100 * u.cpuS) / wallS), cpuS: round(u.cpuS, 2), rssMeanMiB: round(u.rssMeanBytes / MiB), rssPeakMiB: round(u.rssPeakBytes / MiB) };
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export async function measureStep(
  stack: StackUnderTest, gen: GeneratorPool, influxdPid: number, ratePerS: number, seconds: number,
): Promise<StepResult & { report: RunReport }> {
  const pids = new Map(stack.pids);
  pids.set('influxd', influxdPid);
  gen.pids.forEach((pid, i) => pids.set(`generator${i}`, pid));
  const meter = new ProcMeter(pids);
  meter.start();
  const t0 = performance.now();
  const report = await gen.run({ ratePerS, seconds });
  const minSeq = Math.min(...report.devices.map((d) => d.firstSeq));
  const maxSeq = Math.max(...report.devices.map((d) => d.nextSeq - 1));
  const from = report.startedAtMs - 2000;
  const to = report.endedAtMs + 2000;
  const stored = await waitForStored(stack.influx, from, to, minSeq, report.acked, { quietMs: 10_000, timeoutMs: 600_000 });
  const usage = meter.stop();
  const wallS = (performance.now() - t0) / 1000;
  const delivery = checkDelivery(report.devices, await storedCounts(stack.influx, from, to, minSeq, maxSeq));
  const drainS = Math.max(0, (stored.atMs - report.endedAtMs) / 1000);
  const sentPerS = report.sent / seconds;
  const processes: Record<string, ProcessFigures> = {};
  let stackCpuS = 0;
  const gens: ProcUsage[] = [];
  for (const [name, u] of usage) {
    if (name.startsWith('generator')) {
      gens.push(u);
      continue;
    }
    processes[name] = figures(u, wallS);
    stackCpuS += u.cpuS;
  }
  const genUsage = gens.reduce((a, u) => ({ cpuS: a.cpuS + u.cpuS, rssMeanBytes: a.rssMeanBytes + u.rssMeanBytes, rssPeakBytes: a.rssPeakBytes + u.rssPeakBytes }), { cpuS: 0, rssMeanBytes: 0, rssPeakBytes: 0 });
  const held = delivery.lost === 0 && delivery.duplicated === 0 && report.failed === 0 && sentPerS >= 0.98 * ratePerS && drainS <= 10;
  return {
    offeredPerS: ratePerS,
    sentPerS: round(sentPerS),
    ackedPerS: round(report.acked / seconds),
    seconds,
    maxLagS: round(report.maxLagS, 2),
    deferred: report.deferred,
    delivery,
    drainS: round(drainS),
    held,
    cpuUsPerReading: round(delivery.stored > 0 ? (1e6 * stackCpuS) / delivery.stored : Number.NaN),
    processes,
    generator: figures(genUsage, wallS),
    loadAvg1: round(loadavg()[0] ?? Number.NaN, 2),
    report,
  };
}
