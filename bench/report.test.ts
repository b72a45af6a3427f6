import { describe, expect, it } from 'vitest';
import { renderMarkdown, verdicts, type BenchResult } from './report.ts';
import type { ThroughputResult } from './scenarios/throughput.ts';

const proc = (cpuPct: number) => ({ cpuPct, cpuS: 1, rssMeanMiB: 100, rssPeakMiB: 120 });
const step = (rate: number, sent: number, lost: number, cpu: number, held: boolean) => ({
  offeredPerS: rate, sentPerS: sent, ackedPerS: sent, seconds: 60, maxLagS: held ? 0 : 1, deferred: 0,
  delivery: { devices: 200, acked: sent * 60, stored: sent * 60 - lost, lost, duplicated: 0, unacked: 0, devicesWithLoss: lost ? 10 : 0 },
  drainS: 1, held, cpuUsPerReading: cpu, processes: { influxd: proc(20) }, generator: proc(30), loadAvg1: 2.5,
});
const tp = (stack: ThroughputResult['stack'], steps: ReturnType<typeof step>[], sustainedPerS: number): ThroughputResult =>
  ({ stack, devices: 200, stepSeconds: 60, steps, sustainedPerS, notes: [] });

const result: BenchResult = {
  startedAt: '2026-11-22T00:00:00.000Z', command: 'npm run bench',
  machine: { cpus: 2, cpuModel: 'x', memoryGiB: 24, node: 'v24', influxdb: 'v1.6', mosquitto: '2.0', nodeRed: '5.0', loadAvgAtStart: [0, 0, 0] },
  benchConfig: { MQTT_PUBLISH_RATE_PER_S: '0' },
  throughput: [
    tp('vectorwatch', [step(10_000, 10_000, 0, 40, true), step(20_000, 20_000, 0, 45, true), step(25_000, 21_000, 0, 50, false)], 20_000),
    tp('mosquitto+node-red', [step(10_000, 10_000, 0, 110, true), step(20_000, 20_000, 1600, 100, false)], 10_000),
  ],
  fleetGrowth: [],
  errors: [],
};

describe('bench report', () => {
  it('judges each target from the measured figures', () => {
    const v = verdicts(result);
    expect(v.map((x) => x.met)).toEqual([true, true, true]);
    expect(v[2]!.measured).toContain('at 10,000/s: 40.0 µs vs 110.0 µs');
  });

  it('renders the machine, the targets and one row per step', () => {
    const md = renderMarkdown(result);
    expect(md).toContain('| Node.js | v24 |');
    expect(md).toContain('| mosquitto+node-red | 20,000 | 20,000 | 1,198,400 | 1,600 |');
    expect(md).toContain('| mosquitto+node-red | 2.00× | 0.36× at 10,000/s | 1,600 |');
    expect(md).not.toContain('CPU steal');
    expect(renderMarkdown({ ...result, cpuStealPct: { latency: 44, 'throughput: vectorwatch': 1.5 } })).toContain(
      '| CPU steal (time the hypervisor ran other guests; slows every figure) | latency 44 %, throughput: vectorwatch 1.5 % |',
    );
  });
});
