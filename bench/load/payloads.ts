/**
 * Pre-built telemetry payloads for the load generator: everything but `seq` and `ts` is serialised once per device,
 * so a reading costs two number-to-string conversions and one concatenation. Values come from the device's seeded
 * profile (devices-sim), drawn once: the stack's cost does not depend on the values, and a fleet whose bins flip
 * between full and empty at 100 readings/s would turn the benchmark into an alert storm.
 */
import type { DeviceRegistration, ReferenceData } from '../../contracts/registry.ts';
import type { DeviceKind } from '../../contracts/telemetry.ts';
import { createProfile } from '../../devices-sim/profiles/index.ts';

export interface LoadDevice {
  id: string;
  password?: string | undefined;
  kind: DeviceKind;
  /** JSON after `"ts":<ms>`, starting with `,` or `}`: reading `seq` uses `tails[seq % tails.length]`. */
  tails: string[];
}

/** `{"v":1,"kind":"<kind>","seq":<seq>,"ts":<tsMs><tail>` */
export function renderPayload(kind: string, seq: number, tsMs: number, tail: string): string {
  return `{"v":1,"kind":"${kind}","seq":${seq},"ts":${tsMs}${tail}`;
}

function tailOf(fields: object): string {
  const json = JSON.stringify(fields);
  return json === '{}' ? '}' : `,${json.slice(1)}`;
}

/** One tail per device from its profile (seed and site as in the simulator). */
export function profileTails(reg: DeviceRegistration, seed: number, ref: ReferenceData, periodS: number, nowMs = Date.now()): string[] {
  return [tailOf(createProfile(reg, seed, ref).next(nowMs, periodS))];
}

/**
 * A water probe that alternates 0.5 and 2.5 mg/L free chlorine (GB 5749-2022 allows at most 2 mg/L): every reading is
 * a device-rule transition, `opened` on odd seqs and `resolved` (auto) on even ones.
 */
export const ALTERNATING_PROBE_TAILS: readonly string[] = [
  tailOf({ ph: 7.2, turbidityNtu: 0.2, freeChlorineMgL: 0.5 }),
  tailOf({ ph: 7.2, turbidityNtu: 0.2, freeChlorineMgL: 2.5 }),
];
