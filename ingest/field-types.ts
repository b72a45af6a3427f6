/**
 * The InfluxDB type of every telemetry field, fixed per schema field and never per value: InfluxDB 1.x refuses a
 * point whose field changes type within a shard (HTTP 400 "field type conflict"), so `ph: 7` must stay a float
 * even though the JSON number has no fraction. The mapped types below make the compiler demand an entry for every
 * field of every kind; `field-types.test.ts` checks each entry against the zod schema (int vs float).
 * Changing a type here breaks existing data: add a new field instead.
 */
import type { DeviceKind, TelemetryOf } from '../contracts/telemetry.ts';

export type FieldType =
  /** written with the `i` suffix (int64) */
  | 'integer'
  /** written as a plain number (float64), also when the value has no fraction */
  | 'float'
  | 'boolean'
  /** double-quoted string field */
  | 'string'
  /** an object of integer counts, flattened to `<field>_<key>` integer fields */
  | 'integerMap';

/** Envelope members that are not fields: `v` is the contract version, `kind` the measurement, `ts` the time. */
export type NonFieldKey = 'v' | 'kind' | 'ts';
export type FieldKeyOf<K extends DeviceKind> = Exclude<keyof TelemetryOf<K>, NonFieldKey>;

const envelope = { seq: 'integer', battery: 'float', rssi: 'float' } as const;

export const FIELD_TYPES: { readonly [K in DeviceKind]: Readonly<Record<FieldKeyOf<K>, FieldType>> } = {
  rodent_station: { ...envelope, periodS: 'integer', visits: 'integer', caught: 'integer', baitPct: 'float', lidOpen: 'boolean' },
  mosquito_trap: {
    ...envelope,
    periodS: 'integer',
    females: 'integer',
    males: 'integer',
    bySpecies: 'integerMap',
    tempC: 'float',
    humidityPct: 'float',
  },
  sticky_trap: { ...envelope, periodS: 'integer', target: 'string', count: 'integer', bySpecies: 'integerMap' },
  water_probe: {
    ...envelope,
    ph: 'float',
    turbidityNtu: 'float',
    freeChlorineMgL: 'float',
    totalChlorineMgL: 'float',
    tempC: 'float',
    conductivityUsCm: 'float',
  },
  bin_sensor: { ...envelope, fillPct: 'float', distanceMm: 'integer', tempC: 'float', tilted: 'boolean', lidOpen: 'boolean' },
};
