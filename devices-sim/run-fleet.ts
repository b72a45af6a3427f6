/**
 * Runs a fleet of simulated devices against a broker: connects them with bounded concurrency, spreads their first
 * reports evenly over one interval (no thundering herd), and sums their counters.
 */
import type { RejectionCode } from '../contracts/device-errors.ts';
import type { DeviceRegistration, ReferenceData } from '../contracts/registry.ts';
import { silentLogger, type Logger } from '../platform/logger.ts';
import type { FaultSpec } from './fault-injector.ts';
import { forEachLimited } from './pool.ts';
import { createRng } from './random.ts';
import { SimulatedDevice } from './simulated-device.ts';

export interface FleetDevice {
  registration: DeviceRegistration;
  password: string;
}

export interface RunFleetOptions {
  url: string;
  devices: readonly FleetDevice[];
  /** Each device reports once per interval; reports cover `intervalMs` (rounded to whole seconds, at least 1). */
  intervalMs: number;
  seed: number;
  faults?: readonly FaultSpec[] | undefined;
  /** Time written into readings; default Date.now. Scheduling always uses real time. */
  clock?: (() => number) | undefined;
  /** Connections opened at once; default 50. */
  connectConcurrency?: number | undefined;
  logger?: Logger | undefined;
  /** Site types for the profiles; without it they are guessed from the site ids. */
  ref?: ReferenceData | undefined;
  /** First seq of every device; default the clock at start (epoch ms), so a restarted fleet never reuses a seq. */
  startSeq?: number | undefined;
  /** Per-device sent-record limit (see SimulatedDevice); default 10,000. */
  recordLimit?: number | undefined;
  reconnectPeriodMs?: number | undefined;
}

export interface FleetStats {
  devices: number;
  connected: number;
  sent: number;
  acked: number;
  skipped: number;
  errors: number;
  rejected: number;
  rejectedByCode: Partial<Record<RejectionCode, number>>;
}

export interface Fleet {
  /** Stops every device (each delivers what it holds, says offline and disconnects). */
  stop(): Promise<void>;
  stats(): FleetStats;
  devices(): SimulatedDevice[];
}

/** Share of devices that write `ts` as epoch ms rather than ISO-8601 (the contract accepts both). */
const EPOCH_TS_SHARE = 0.2;

export async function runFleet(opts: RunFleetOptions): Promise<Fleet> {
  const { intervalMs } = opts;
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
  const clock = opts.clock ?? Date.now;
  const log = opts.logger ?? silentLogger;
  const startSeq = opts.startSeq ?? clock();
  const periodS = Math.max(1, Math.round(intervalMs / 1000));
  const root = createRng(opts.seed);
  const devices = opts.devices.map(
    ({ registration, password }) =>
      new SimulatedDevice({
        url: opts.url,
        registration,
        password,
        seed: opts.seed,
        periodS,
        site: opts.ref,
        startSeq,
        clock,
        faults: opts.faults,
        tsFormat: root.fork(`ts-format:${registration.id}`).chance(EPOCH_TS_SHARE) ? 'epoch' : 'iso',
        reconnectPeriodMs: opts.reconnectPeriodMs,
        recordLimit: opts.recordLimit ?? 10_000,
        logger: log,
      }),
  );

  // Device i reports first at i/N of an interval after the start, so load is flat from the first second.
  const t0 = performance.now();
  let failed = 0;
  await forEachLimited(devices, opts.connectConcurrency ?? 50, async (device, i) => {
    if (!(await device.connect())) failed++;
    const offset = (i * intervalMs) / devices.length;
    device.start(Math.max(0, t0 + offset - performance.now()), intervalMs);
  });
  if (failed > 0) log.warn({ failed, devices: devices.length }, 'some devices could not connect yet; they keep retrying');
  log.info({ devices: devices.length, intervalMs }, 'fleet running');

  return {
    async stop() {
      await forEachLimited(devices, opts.connectConcurrency ?? 50, (d) => d.stop());
    },
    stats() {
      const s: FleetStats = { devices: devices.length, connected: 0, sent: 0, acked: 0, skipped: 0, errors: 0, rejected: 0, rejectedByCode: {} };
      for (const d of devices) {
        const ds = d.stats();
        if (ds.connected) s.connected++;
        s.sent += ds.sent;
        s.acked += ds.acked;
        s.skipped += ds.skipped;
        s.errors += ds.errors;
        for (const [code, n] of Object.entries(ds.rejectedByCode) as [RejectionCode, number][]) {
          s.rejectedByCode[code] = (s.rejectedByCode[code] ?? 0) + n;
          s.rejected += n;
        }
      }
      return s;
    },
    devices: () => devices,
  };
}
