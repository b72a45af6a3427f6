/**
 * One reading → one line of InfluxDB line protocol.
 *
 * - measurement: the device kind;
 * - tags: `contractor`, `device`, `district`, `site` from the registry (sorted by key, as InfluxDB recommends);
 *   readings carry no static facts (contracts/registry.ts);
 * - fields: every member of the reading except `v`, `kind`, `ts`, typed by FIELD_TYPES (field-types.ts);
 * - timestamp (ns): `tsMs * 1e6 + seq % 1e6`.
 *
 * Why the timestamp carries `seq`: InfluxDB identifies a point by measurement + tag set + timestamp, and a second
 * write with the same identity overwrites the first (field values merged) — influxdata/influxdb#4150. With plain
 * ms → ns conversion two distinct readings of one device in the same millisecond would collapse into one point.
 * Adding `seq % 1e6` in the sub-millisecond digits keeps them apart, while a redelivery of the same
 * (device, seq, ts) lands on the same identity and rewrites identical values: writes are idempotent by
 * construction, so an at-least-once MQTT delivery can never double-count. The shift is < 1 ms, below the
 * precision any query here uses.
 */
import type { Device } from '../contracts/registry.ts';
import type { Telemetry } from '../contracts/telemetry.ts';
import { FIELD_TYPES, type FieldType } from './field-types.ts';
import { escapeKey, escapeMeasurement, formatFloat, formatInteger, quoteString } from './line-protocol.ts';

const NS_PER_MS = 1_000_000n;
const SEQ_SLOTS = 1_000_000;

/** The point's time in ns since the epoch; see the module comment for why `seq` is part of it. */
export function pointTimeNs(tsMs: number, seq: number): bigint {
  return BigInt(Math.floor(tsMs)) * NS_PER_MS + BigInt(seq % SEQ_SLOTS);
}

/** `pointTimeNs` as decimal text, without BigInt arithmetic for the usual (positive) times. */
function pointTimeText(tsMs: number, seq: number): string {
  const ms = Math.floor(tsMs);
  if (ms < 1 || !Number.isSafeInteger(ms)) return String(pointTimeNs(tsMs, seq));
  const sub = String(seq % SEQ_SLOTS);
  return `${ms}${'000000'.slice(sub.length)}${sub}`;
}

function formatValue(type: Exclude<FieldType, 'integerMap'>, value: unknown): string {
  switch (type) {
    case 'integer':
      return formatInteger(value as number);
    case 'float':
      return formatFloat(value as number);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return quoteString(String(value));
  }
}

/** Per kind, the field keys in FIELD_TYPES order with their escaped form, computed once (not per reading). */
const FIELD_PLANS = new Map(
  Object.entries(FIELD_TYPES).map(([kind, types]) => [
    kind,
    Object.entries(types as Readonly<Record<string, FieldType>>).map(([key, type]) => ({ key, type, escaped: escapeKey(key) })),
  ]),
);

/** `<field>_<key>` of an integer map, escaped; the keys repeat (species names), so each is escaped once. */
const subFieldKeys = new Map<string, Map<string, string>>();
function subFieldKey(field: string, sub: string): string {
  let byField = subFieldKeys.get(field);
  if (byField === undefined) subFieldKeys.set(field, (byField = new Map()));
  let escaped = byField.get(sub);
  if (escaped === undefined) {
    escaped = escapeKey(`${field}_${sub}`);
    if (byField.size >= 10_000) byField.clear(); // a bound: species keys are few, but they come from devices
    byField.set(sub, escaped);
  }
  return escaped;
}

export function toLineProtocol(reading: Telemetry, device: Device, tsMs: number): string {
  const plan = FIELD_PLANS.get(reading.kind)!;
  const values = reading as unknown as Readonly<Record<string, unknown>>;
  const fields: string[] = [];
  for (const { key, type, escaped } of plan) {
    const value = values[key];
    if (value === undefined) continue;
    if (type === 'integerMap') {
      const counts = value as Readonly<Record<string, number>>;
      for (const sub of Object.keys(counts).sort()) {
        const n = counts[sub];
        if (n !== undefined) fields.push(`${subFieldKey(key, sub)}=${formatInteger(n)}`);
      }
    } else {
      fields.push(`${escaped}=${formatValue(type, value)}`);
    }
  }
  // Joined, not concatenated: `+` and template literals make V8 keep a tree of rope nodes over the pieces (~15
  // objects, ~600 bytes for a 130-character line), and the line lives until InfluxDB acknowledges it, long enough to
  // survive young-generation GCs and be promoted. `join` writes one flat string (~170 bytes) and the pieces die
  // young (issue 7: these trees were most of what a heap snapshot at 17,000 readings/s held per reading).
  return [seriesKey(reading.kind, device), fields.join(','), pointTimeText(tsMs, reading.seq)].join(' ');
}

/**
 * Measurement and tag set, escaped: the same for every reading of a device, so kept per registry `Device` object
 * (the registry's cache hands out the same object until the device changes). Escaping per reading was ~6 % of the
 * broker process at 12,000 readings/s (issue 7, docs/benchmarks.md).
 */
const seriesKeys = new WeakMap<Device, { kind: string; key: string }>();

function seriesKey(kind: string, device: Device): string {
  const hit = seriesKeys.get(device);
  if (hit !== undefined && hit.kind === kind) return hit.key;
  const key =
    `${escapeMeasurement(kind)},contractor=${escapeKey(device.contractorId)},device=${escapeKey(device.id)},` +
    `district=${escapeKey(device.districtId)},site=${escapeKey(device.siteId)}`;
  seriesKeys.set(device, { kind, key });
  return key;
}
