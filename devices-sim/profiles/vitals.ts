/** Battery and radio, common to every kind: batteries drain slowly per device, a few are already low. */
import type { DeviceRegistration } from '../../contracts/registry.ts';
import type { Rng } from '../random.ts';
import { clamp } from './processes.ts';

export interface VitalsOptions {
  /** Battery drain range, % per day (a device draws its own rate from it). */
  drainPctPerDay: readonly [number, number];
}

export interface Vitals {
  battery(tsMs: number): number;
  rssi(): number;
}

/** Share of devices that start with a nearly flat battery, so low-battery rules have something to see. */
const LOW_BATTERY_SHARE = 0.04;

export function createVitals(rng: Rng, reg: DeviceRegistration, opts: VitalsOptions): Vitals {
  const start = rng.chance(LOW_BATTERY_SHARE) ? rng.float(6, 18) : rng.float(55, 100);
  const drain = rng.float(opts.drainPctPerDay[0], opts.drainPctPerDay[1]);
  // NB-IoT/LTE-M RSSI: outdoors around −75 dBm, indoors and in pump rooms lower (walls, basements).
  const baseRssi =
    (reg.kind === 'water_probe' ? -92 : reg.placement === 'outdoor' ? -76 : -86) + rng.normal(0, 7);
  let firstMs: number | null = null;
  let last = Math.round(start);
  return {
    battery(tsMs) {
      firstMs ??= tsMs;
      const days = Math.max(0, tsMs - firstMs) / 86_400_000;
      // Reported as a whole percent that never rises (a real gauge jitters; a rising battery confuses rules).
      const level = Math.round(clamp(start - drain * days, 1, 100));
      last = Math.min(last, level);
      return last;
    },
    rssi() {
      return Math.round(clamp(baseRssi + rng.normal(0, 2.5), -120, -45));
    },
  };
}
