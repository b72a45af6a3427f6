/**
 * Faulty traffic on demand: what broken firmware, bad clocks and flaky links put on the wire. Each fault says what
 * ingest should answer (`expectCode`, a code from contracts/device-errors.ts) or, when absent, that the payload is
 * valid and must be stored exactly once.
 */
import type { RejectionCode } from '../contracts/device-errors.ts';
import { DEVICE_KINDS, type Telemetry, timestampMs } from '../contracts/telemetry.ts';
import type { DeviceRegistration } from '../contracts/registry.ts';
import { createProfile } from './profiles/index.ts';
import type { Rng } from './random.ts';
import { buildReading, formatTs } from './reading.ts';

export const FAULT_KINDS = [
  'malformed_json',
  'schema_violation',
  'duplicate',
  'out_of_order',
  'clock_skew',
  'wrong_kind',
  'oversized',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  payload: Buffer | string;
  /** The seq a reader of the payload finds, or null when the payload cannot be read. */
  seq: number | null;
  /** What ingest should reject it with; absent when the payload is valid. */
  expectCode?: RejectionCode;
}

/** Larger than the 8 KiB limit (contracts/config.ts MAX_PAYLOAD_BYTES default 8192). */
const OVERSIZE_BYTES = { min: 9 * 1024, max: 16 * 1024 } as const;
const HOUR_MS = 3_600_000;

function malformed(base: Telemetry, rng: Rng): Buffer | string {
  const json = JSON.stringify(base);
  const variants: (() => Buffer | string)[] = [
    () => json.slice(0, Math.max(1, Math.floor(json.length * rng.float(0.3, 0.9)))), // truncated frame
    () => json.replace(/}$/, ',}'), // trailing comma
    () => json.replace(/"/g, "'"), // single quotes from a hand-rolled serialiser
    () => json.replace(/:(-?\d+(\.\d+)?)/, ':NaN'), // printf of an unset float
    // Not UTF-8, between tokens so that even a lenient decoder is left with invalid JSON.
    () => Buffer.concat([Buffer.from('{'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(json.slice(1))]),
  ];
  return rng.pick(variants)();
}

/** A field of the base reading the contract requires (not an envelope field), to remove or corrupt. */
function requiredField(base: Telemetry): string {
  const byKind: Record<Telemetry['kind'], string> = {
    rodent_station: 'visits',
    mosquito_trap: 'females',
    sticky_trap: 'count',
    water_probe: 'freeChlorineMgL',
    bin_sensor: 'fillPct',
  };
  return byKind[base.kind];
}

function schemaViolation(base: Telemetry, rng: Rng): string {
  const obj: Record<string, unknown> = { ...base };
  const field = requiredField(base);
  const variants: (() => void)[] = [
    () => {
      obj['firmware'] = '2.3.1'; // unknown field: the contract is strict
    },
    () => {
      obj['battery'] = rng.int(101, 255); // out of range
    },
    () => {
      delete obj[field]; // missing field
    },
    () => {
      obj[field] = String(obj[field]); // number sent as a string
    },
    () => {
      obj['v'] = 2; // a contract version ingest does not speak
    },
  ];
  rng.pick(variants)();
  return JSON.stringify(obj);
}

function wrongKind(base: Telemetry, rng: Rng): string {
  const other = rng.pick(DEVICE_KINDS.filter((k) => k !== base.kind));
  const reg: DeviceRegistration = {
    id: `fault-${other.replace(/_/g, '-')}`,
    kind: other,
    siteId: 'fault-site',
    placement: 'outdoor',
    ...(other === 'water_probe' ? { samplingPoint: 'tap' as const } : {}),
  };
  const tsMs = timestampMs(base.ts);
  const fields = createProfile(reg, rng.int(0, 2 ** 31)).next(tsMs, 300);
  const reading = buildReading(other, base.seq, tsMs, fields as never, typeof base.ts === 'number' ? 'epoch' : 'iso');
  return JSON.stringify(reading);
}

/**
 * One faulty message derived from `base`, a valid reading of this device.
 * - `duplicate`: `base` is an earlier reading already sent; the payload is byte-for-byte the same (same seq and ts).
 * - `out_of_order`: `base` is a reading held back and delivered late, after newer ones; valid, must be stored.
 * - the others replace `base` on the wire and must be rejected with `expectCode`.
 */
export function makeFault(kind: FaultKind, base: Telemetry, rng: Rng): Fault {
  switch (kind) {
    case 'malformed_json':
      return { payload: malformed(base, rng), seq: null, expectCode: 'INVALID_JSON' };
    case 'schema_violation':
      return { payload: schemaViolation(base, rng), seq: base.seq, expectCode: 'SCHEMA_INVALID' };
    case 'duplicate':
    case 'out_of_order':
      return { payload: JSON.stringify(base), seq: base.seq };
    case 'clock_skew': {
      const skewed = timestampMs(base.ts) + Math.round(rng.float(6, 48) * HOUR_MS);
      const ts = formatTs(skewed, typeof base.ts === 'number' ? 'epoch' : 'iso');
      return { payload: JSON.stringify({ ...base, ts }), seq: base.seq, expectCode: 'STALE_OR_FUTURE_TS' };
    }
    case 'wrong_kind':
      return { payload: wrongKind(base, rng), seq: base.seq, expectCode: 'KIND_MISMATCH' };
    case 'oversized': {
      const pad = 'x'.repeat(rng.int(OVERSIZE_BYTES.min, OVERSIZE_BYTES.max));
      return { payload: JSON.stringify({ ...base, debugDump: pad }), seq: base.seq, expectCode: 'TOO_LARGE' };
    }
  }
}
