/**
 * fast-check arbitraries derived from the shape of contract v1 (contracts/telemetry.ts): valid readings of every
 * kind, timestamps inside the ingest window, and near-valid mutations of them. For the fuzz tests; a change to the
 * schema that these do not follow shows up as a failing "every valid reading is accepted" property.
 */
import fc from 'fast-check';
import type { Device } from '../contracts/registry.ts';
import { DEVICE_KINDS, type DeviceKind, type Telemetry } from '../contracts/telemetry.ts';
import { makeDevice } from './test-fixtures.ts';

const percent = () => fc.double({ min: 0, max: 100, noNaN: true, noDefaultInfinity: true });
const count = () => fc.integer({ min: 0, max: 1_000_000 });
const periodS = () => fc.integer({ min: 1, max: 7 * 24 * 3600 });
const range = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** `YYYY-MM-DDTHH:mm:ss[.sss]±hh:mm` (or `Z`) naming the instant `ms`. */
function isoWithOffset(ms: number, offsetMin: number, withMillis: boolean): string {
  const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, withMillis ? 23 : 19);
  if (offsetMin === 0) return `${local}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** A `ts` (epoch ms, or ISO with an offset) between `fromMs` and `toMs`. */
export function timestampIn(fromMs: number, toMs: number): fc.Arbitrary<number | string> {
  const ms = fc.integer({ min: fromMs, max: toMs });
  return fc.oneof(
    ms,
    fc.tuple(ms, fc.constantFrom(0, 480, -300, 330, 840, -720), fc.boolean()).map(([t, off, millis]) =>
      // Without millis the instant is floored to the second: keep it inside the window.
      isoWithOffset(millis ? t : Math.ceil(t / 1000) * 1000 > toMs ? Math.floor(t / 1000) * 1000 : Math.ceil(t / 1000) * 1000, off, millis),
    ),
  );
}

const envelope = (ts: fc.Arbitrary<unknown>) => ({
  v: fc.constant(1 as const),
  seq: fc.maxSafeNat(),
  ts,
  battery: percent(),
  rssi: range(-200, 0),
});
const ENVELOPE_REQUIRED = ['v', 'seq', 'ts'] as const;

const speciesKey = fc.stringMatching(/^[a-z][a-z_]{1,31}$/);

export function validReading(kind: DeviceKind, ts: fc.Arbitrary<unknown>): fc.Arbitrary<Telemetry> {
  const e = envelope(ts);
  const required = (...keys: string[]) => ({ requiredKeys: [...ENVELOPE_REQUIRED, 'kind', ...keys] as never[] });
  switch (kind) {
    case 'rodent_station':
      return fc.record({ ...e, kind: fc.constant(kind), periodS: periodS(), visits: count(), caught: count(), baitPct: percent(), lidOpen: fc.boolean() },
        required('periodS', 'visits', 'caught', 'baitPct', 'lidOpen')) as fc.Arbitrary<Telemetry>;
    case 'mosquito_trap':
      return fc.record({
        ...e, kind: fc.constant(kind), periodS: periodS(), females: count(), males: count(),
        bySpecies: fc.record({ culex: count(), aedes: count(), anopheles: count(), other: count() }, { requiredKeys: [] }),
        tempC: range(-50, 70), humidityPct: percent(),
      }, required('periodS', 'females')) as fc.Arbitrary<Telemetry>;
    case 'sticky_trap':
      return fc.record({
        ...e, kind: fc.constant(kind), periodS: periodS(), target: fc.constantFrom('fly', 'cockroach'), count: count(),
        bySpecies: fc.dictionary(speciesKey, count(), { maxKeys: 16 }),
      }, required('periodS', 'target', 'count')) as fc.Arbitrary<Telemetry>;
    case 'water_probe':
      return fc.record({
        ...e, kind: fc.constant(kind), ph: range(0, 14), turbidityNtu: range(0, 4000), freeChlorineMgL: range(0, 20),
        totalChlorineMgL: range(0, 20), tempC: range(-10, 100), conductivityUsCm: range(0, 200_000),
      }, required('ph', 'turbidityNtu', 'freeChlorineMgL')) as fc.Arbitrary<Telemetry>;
    case 'bin_sensor':
      return fc.record({
        ...e, kind: fc.constant(kind), fillPct: percent(), distanceMm: fc.integer({ min: 0, max: 20_000 }), tempC: range(-50, 150),
        tilted: fc.boolean(), lidOpen: fc.boolean(),
      }, required('fillPct')) as fc.Arbitrary<Telemetry>;
  }
}

export const kindArb: fc.Arbitrary<DeviceKind> = fc.constantFrom(...DEVICE_KINDS);

/** A registry device with arbitrary valid ids (tags), as the registry's schemas allow them. */
export function deviceArb(kind: DeviceKind): fc.Arbitrary<Device> {
  const ref = fc.stringMatching(/^[A-Za-z0-9_-]{2,64}$/);
  return fc
    .record({ id: fc.stringMatching(/^[A-Za-z0-9_-]{3,64}$/), siteId: ref, districtId: ref, contractorId: ref })
    .map((ids) => makeDevice(ids.id, kind, ids));
}

/** JSON values that are most likely to confuse a validator: wrong types, extremes, prototype keys. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(null, true, '', '1', -1, -0.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 8.64e15 + 1, '2025-06-01T08:00:00', '2025-06-01', 'NaN', [], {}, { __proto__: { v: 1 } }),
);

/** A valid reading with one or more of: a key removed, a key added, a value replaced. */
export function nearValid(reading: fc.Arbitrary<Telemetry>): fc.Arbitrary<Record<string, unknown>> {
  const mutation = fc.oneof(
    fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('add' as const), key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString', 'seq ', 'Kind', 'v2')), value: hostileValue }),
    fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }),
  );
  return fc.tuple(reading, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([r, mutations]) => {
    const obj: Record<string, unknown> = JSON.parse(JSON.stringify(r));
    for (const m of mutations) {
      const keys = Object.keys(obj);
      if (m.op === 'add') Object.defineProperty(obj, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
      else if (keys.length > 0) {
        const key = keys[m.at % keys.length]!;
        if (m.op === 'drop') delete obj[key];
        else obj[key] = m.value;
      }
    }
    return obj;
  });
}
