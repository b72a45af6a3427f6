/**
 * The stacks under test, each started fresh on the bench's influxd (its own database, emptied first) and stopped
 * after its scenario: VectorWatch as `npm start` runs it, and the two peers of issue 7 — Mosquitto in place of our
 * broker (our ingest as a separate MQTT subscriber, INGEST_MODE=mqtt), and Node-RED in place of our ingest (on
 * Mosquitto). Every process of a stack is listed with its pid so its CPU and RSS are measured on its own.
 */
import { join } from 'node:path';
import type { DeviceRegistration } from '../contracts/registry.ts';
import type { InfluxHttp } from '../platform/influx-http.ts';
import { startMosquitto } from './systems/mosquitto.ts';
import { startNodeRed } from './systems/node-red.ts';
import type { StackDebug } from './systems/child.ts';
import { provisionRegistry, startIngestWorker, startVectorWatch } from './systems/vectorwatch.ts';
import type { World } from './world.ts';

export const STACK_NAMES = ['vectorwatch', 'mosquitto+vw-ingest', 'mosquitto+node-red'] as const;
export type StackName = (typeof STACK_NAMES)[number];

export interface StackUnderTest {
  name: StackName;
  mqttUrl: string;
  httpUrl?: string | undefined;
  influx: InfluxHttp;
  /** Device passwords (stacks with a registry). */
  passwords?: ReadonlyMap<string, string> | undefined;
  /** Process name → pid. */
  pids: Map<string, number>;
  /** Text of the broker configuration, for the report (peers). */
  notes: string[];
  stop(): Promise<void>;
}

export interface StackOptions {
  env?: Record<string, string>;
  cpuProfDir?: string | undefined;
  debug?: StackDebug | undefined;
  /** Keep what the database holds (the grading scenario writes its month first). */
  keepDb?: boolean | undefined;
}

export async function startStackUnderTest(
  name: StackName, world: World, plan: readonly DeviceRegistration[], opts: StackOptions = {},
): Promise<StackUnderTest> {
  const dir = join(world.dir, `${name}-${Date.now()}`);
  if (name === 'vectorwatch') {
    const influx = opts.keepDb ? world.db('vectorwatch') : await world.freshDb('vectorwatch');
    const passwords = provisionRegistry(dir, plan);
    const sys = await startVectorWatch({ dataDir: dir, influxUrl: world.influxUrl, influxDb: 'vectorwatch', env: opts.env ?? {}, cpuProfDir: opts.cpuProfDir, debug: opts.debug });
    return { name, mqttUrl: sys.mqttUrl, httpUrl: sys.httpUrl, influx, passwords, pids: sys.pids, notes: [], stop: sys.stop };
  }
  provisionRegistry(dir, []);
  const mosquitto = await startMosquitto(dir);
  const pids = new Map<string, number>([['mosquitto', mosquitto.child.pid]]);
  const notes = [`mosquitto.conf: ${mosquitto.config.trim().split('\n').join('; ')}`];
  try {
    if (name === 'mosquitto+vw-ingest') {
      const influx = await world.freshDb('vectorwatch');
      const passwords = provisionRegistry(dir, plan);
      const ingest = await startIngestWorker({ dataDir: dir, influxUrl: world.influxUrl, influxDb: 'vectorwatch', mqttUrl: mosquitto.url, cpuProfDir: opts.cpuProfDir, debug: opts.debug });
      pids.set('vw-ingest', ingest.pid);
      return {
        name, mqttUrl: mosquitto.url, influx, passwords, pids, notes,
        async stop() {
          await ingest.stop('SIGTERM', 30_000);
          await mosquitto.child.stop();
        },
      };
    }
    const influx = await world.freshDb('nodered');
    const red = await startNodeRed(dir, mosquitto.url, world.influxUrl, 'nodered', opts.cpuProfDir);
    pids.set('node-red', red.pid);
    notes.push('Node-RED flow: mqtt in (QoS 1) → json → function (point) → join (5000 or 0.2 s) → influxdb batch (precision ns)');
    return {
      name, mqttUrl: mosquitto.url, influx, pids, notes,
      async stop() {
        await red.stop();
        await mosquitto.child.stop();
      },
    };
  } catch (err) {
    await mosquitto.child.stop();
    throw err;
  }
}
