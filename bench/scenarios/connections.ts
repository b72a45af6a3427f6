/**
 * Scenario 3 (and 4b): many concurrent device connections on one broker process. Each device connects as a contract-v1
 * device does (keep-alive 60 s, a retained offline will, a subscription to its own `devices/{id}/errors`), from
 * several loopback source addresses (ephemeral ports are per source address), through two generator processes (a
 * process's descriptors are bounded). Then:
 * - `connections`: one reading per device per minute for `minutes`; every device's readings must be stored;
 * - `fleet growth`: a fixed total rate over the fleet for `seconds`; CPU per stored reading at this fleet size.
 * Broker RSS per connection = (RSS with the fleet connected − RSS before) / connections.
 */
import { readFileSync } from 'node:fs';
import { GeneratorPool } from '../load/generator-pool.ts';
import { sampleProcess } from '../proc-stats.ts';
import { startStackUnderTest } from '../stacks.ts';
import { fleetPlan, loadDevices, type World } from '../world.ts';
import { measureStep, round, type StepResult } from './measure.ts';

/** Open files a process may hold here (`Max open files` of /proc/self/limits, soft). */
export function openFileLimit(): number {
  const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m ? Number(m[1]) : Number.POSITIVE_INFINITY;
}

/** Descriptors the stack process needs besides device sockets (listeners, SQLite, spool, InfluxDB, logs, epoll). */
const STACK_RESERVED_FDS = 150;

export interface FleetRunOptions {
  devices: number;
  /** 'per-minute': one reading per device per minute for `minutes`; 'rate': `ratePerS` for `seconds`. */
  load: { kind: 'per-minute'; minutes: number } | { kind: 'rate'; ratePerS: number; seconds: number };
  log: (line: string) => void;
}

export interface FleetRunResult {
  requested: number;
  devices: number;
  limitNote?: string | undefined;
  connectS: number;
  connectPerS: number;
  connectFailed: number;
  brokerRssBeforeMiB: number;
  brokerRssConnectedMiB: number;
  brokerRssPerConnectionKiB: number;
  step: Omit<StepResult, 'report'>;
  devicesAllStored: boolean;
}

export async function runFleet(world: World, opts: FleetRunOptions): Promise<FleetRunResult> {
  const limit = openFileLimit() - STACK_RESERVED_FDS;
  const devices = Math.min(opts.devices, limit);
  const limitNote = devices < opts.devices
    ? `${opts.devices} requested; ${devices} run: RLIMIT_NOFILE is ${openFileLimit()} per process on this machine (hard limit, not raisable without CAP_SYS_RESOURCE)`
    : undefined;
  const plan = fleetPlan(world.ref, devices, 'c-');
  const stack = await startStackUnderTest('vectorwatch', world, plan);
  const processes = Math.max(1, Math.ceil(devices / (limit - 50)));
  const gen = new GeneratorPool(Math.max(processes, devices > 5000 ? 2 : 1));
  try {
    const brokerPid = stack.pids.get('vectorwatch')!;
    await new Promise((r) => setTimeout(r, 3000));
    const before = sampleProcess(brokerPid)!.rssBytes;
    const localAddresses = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
    const c = await gen.connect(loadDevices(world.ref, plan, stack.passwords), {
      url: stack.mqttUrl, keepaliveS: 60, window: 10, connectConcurrency: 200, firstSeq: 1, deviceSession: true, localAddresses,
    });
    await new Promise((r) => setTimeout(r, 5000));
    const connected = sampleProcess(brokerPid)!.rssBytes;
    opts.log(`  ${devices} devices connected in ${round(c.ms / 1000)} s (${c.failed} failed); broker RSS ${round(before / 2 ** 20)} → ${round(connected / 2 ** 20)} MiB`);
    const load = opts.load;
    const { report: _r, ...step } = load.kind === 'per-minute'
      ? await measureStep(stack, gen, world.influxd.pid!, devices / 60, load.minutes * 60)
      : await measureStep(stack, gen, world.influxd.pid!, load.ratePerS, load.seconds);
    const perDevice = load.kind === 'per-minute' ? load.minutes : 0;
    const everyDevice = step.delivery.lost === 0 && step.delivery.duplicated === 0 && step.delivery.acked >= devices * perDevice;
    opts.log(`  ${devices} devices: stored ${step.delivery.stored}/${step.delivery.acked}, lost ${step.delivery.lost}, ${step.cpuUsPerReading} µs CPU/reading`);
    return {
      requested: opts.devices, devices, limitNote, connectS: round(c.ms / 1000), connectPerS: round(c.connected / (c.ms / 1000)), connectFailed: c.failed,
      brokerRssBeforeMiB: round(before / 2 ** 20), brokerRssConnectedMiB: round(connected / 2 ** 20),
      brokerRssPerConnectionKiB: round((connected - before) / 1024 / Math.max(1, c.connected), 2), step, devicesAllStored: everyDevice,
    };
  } finally {
    await gen.close();
    await stack.stop();
  }
}
