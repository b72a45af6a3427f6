/**
 * Scenario 1 (and 5, for the peers): a fleet, one QoS 1 connection per device, publishing at a rising rate in steps.
 * The highest step held (every acknowledged reading stored exactly once, counted per device in InfluxDB; the offered
 * rate actually published; storage caught up) is the sustained rate. One step past the first miss is kept, to show
 * what the stack does beyond its rate: hold its publishers back, or drop.
 */
import { GeneratorPool } from '../load/generator-pool.ts';
import { startStackUnderTest, type StackName } from '../stacks.ts';
import type { StackDebug } from '../systems/child.ts';
import { fleetPlan, loadDevices, type World } from '../world.ts';
import { measureStep, type StepResult } from './measure.ts';

export interface ThroughputOptions {
  devices: number;
  rates: number[];
  stepSeconds: number;
  /** Publishes awaiting PUBACK per device. */
  window: number;
  /** Steps run after the first one that is not held. */
  beyond: number;
  cpuProfDir?: string | undefined;
  /** Node flags and output file of the stacks' processes (`--stack-node-args`, `--stack-log-dir`). */
  debug?: StackDebug | undefined;
  log: (line: string) => void;
}

export interface ThroughputResult {
  stack: StackName;
  devices: number;
  stepSeconds: number;
  steps: Omit<StepResult, 'report'>[];
  /** Highest offered rate held, 0 if none. */
  sustainedPerS: number;
  notes: string[];
}

export async function runThroughput(world: World, stackName: StackName, opts: ThroughputOptions): Promise<ThroughputResult> {
  const plan = fleetPlan(world.ref, opts.devices, 'tp-');
  const stack = await startStackUnderTest(stackName, world, plan, { cpuProfDir: opts.cpuProfDir, debug: opts.debug });
  const gen = new GeneratorPool(1);
  const steps: Omit<StepResult, 'report'>[] = [];
  let sustained = 0;
  try {
    const c = await gen.connect(loadDevices(world.ref, plan, stack.passwords), { url: stack.mqttUrl, keepaliveS: 60, window: opts.window, connectConcurrency: 50, firstSeq: 1 });
    if (c.failed > 0) throw new Error(`${stackName}: ${c.failed} of ${opts.devices} devices could not connect`);
    await gen.run({ ratePerS: Math.min(1000, opts.rates[0] ?? 1000), seconds: 3 }); // warm-up, not measured
    let misses = 0;
    for (const rate of opts.rates) {
      const { report: _report, ...step } = await measureStep(stack, gen, world.influxd.pid!, rate, opts.stepSeconds);
      steps.push(step);
      const d = step.delivery;
      opts.log(
        `  ${stackName} ${rate}/s × ${opts.stepSeconds} s: sent ${step.sentPerS}/s, stored ${d.stored}/${d.acked} acked, lost ${d.lost}, dup ${d.duplicated}, ` +
          `drain ${step.drainS} s, lag ${step.maxLagS} s, ${step.cpuUsPerReading} µs CPU/reading → ${step.held ? 'held' : 'MISSED'}`,
      );
      if (step.held && misses === 0) sustained = rate;
      if (!step.held && ++misses > opts.beyond) break;
    }
  } finally {
    await gen.close();
    await stack.stop();
  }
  return { stack: stackName, devices: opts.devices, stepSeconds: opts.stepSeconds, steps, sustainedPerS: sustained, notes: stack.notes };
}
