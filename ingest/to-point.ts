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
import { createDecimalFormatter, escapeKey, escapeMeasurement, formatFloat, formatInteger, quoteString, ZEROS_BEFORE } from './line-protocol.ts';

const NS_PER_MS = 1_000_000n;
const SEQ_SLOTS = 1_000_000;

/** The point's time in ns since the epoch; see the module comment for why `seq` is part of it. */
export function pointTimeNs(tsMs: number, seq: number): bigint {
  return BigInt(Math.floor(tsMs)) * NS_PER_MS + BigInt(seq % SEQ_SLOTS);
}

/** The fields of one kind, in FIELD_TYPES order, appended to `line` as `key=value` pairs; compiled per kind. */
type FieldWriter = (reading: Readonly<Record<string, unknown>>, line: string) => string;

const integerText = createDecimalFormatter();

/** What the compiled writers call; each throws like the formatter in line-protocol.ts it stands for. */
const helpers = {
  /** formatInteger; seqs started at the clock are 13-digit numbers, see createDecimalFormatter. */
  integer: (value: unknown): string => (Number.isSafeInteger(value) ? `${integerText(value as number)}i` : formatInteger(value as number)),
  float: formatFloat,
  string: (value: unknown): string => quoteString(String(value)),
  integerMap: writeIntegerMap,
};

/**
 * Per kind, straight-line code generated from FIELD_TYPES (as contracts/telemetry-fast-check.ts does for the schema):
 * one named property load per field and constant `key=` texts, escaped once, with and without the leading comma; each
 * pair is put together first (a short string is copied flat) and then appended, one rope node per field. A loop over
 * a field plan loaded the fields by a computed key, megamorphic across five kinds of readings (bench/micro/admit.ts).
 */
function compileFields(types: Readonly<Record<string, FieldType>>): FieldWriter {
  const steps = Object.entries(types).map(([key, type]) => {
    const k = JSON.stringify(key);
    const sep = `(s.length === at ? ${JSON.stringify(`${escapeKey(key)}=`)} : ${JSON.stringify(`,${escapeKey(key)}=`)})`;
    switch (type) {
      case 'integer':
        return `x = r[${k}]; if (x !== undefined) s = s + (${sep} + h.integer(x));`;
      case 'float':
        return `x = r[${k}]; if (x !== undefined) s = s + (${sep} + h.float(x));`;
      case 'boolean':
        return `x = r[${k}]; if (x !== undefined) s = s + (${sep} + (x ? 'true' : 'false'));`;
      case 'string':
        return `x = r[${k}]; if (x !== undefined) s = s + (${sep} + h.string(x));`;
      case 'integerMap':
        return `x = r[${k}]; if (x !== undefined) s = h.integerMap(${k}, x, s, s.length === at);`;
    }
  });
  const source = `return function (r, s) {\n  const at = s.length;\n  let x;\n  ${steps.join('\n  ')}\n  return s;\n};`;
  return new Function('h', source)(helpers) as FieldWriter;
}

const FIELD_WRITERS = new Map(Object.entries(FIELD_TYPES).map(([kind, types]) => [kind, compileFields(types)]));

/** An integer map flattened to `<field>_<key>=<n>i` fields, keys sorted. */
function writeIntegerMap(field: string, value: unknown, line: string, first: boolean): string {
  const counts = value as Readonly<Record<string, number>>;
  let s = line;
  for (const sub of Object.keys(counts).sort()) {
    const n = counts[sub];
    if (n === undefined) continue;
    s = s + ((first ? '' : ',') + subFieldKey(field, sub) + formatInteger(n));
    first = false;
  }
  return s;
}

/** `<field>_<key>=` of an integer map, escaped; the keys repeat (species names), so each is escaped once. */
const subFieldKeys = new Map<string, Map<string, string>>();
function subFieldKey(field: string, sub: string): string {
  let byField = subFieldKeys.get(field);
  if (byField === undefined) subFieldKeys.set(field, (byField = new Map()));
  let escaped = byField.get(sub);
  if (escaped === undefined) {
    escaped = `${escapeKey(`${field}_${sub}`)}=`;
    if (byField.size >= 10_000) byField.clear(); // a bound: species keys are few, but they come from devices
    byField.set(sub, escaped);
  }
  return escaped;
}

const timeMsText = createDecimalFormatter();

/** `pointTimeNs` as decimal text, without BigInt arithmetic for the usual (positive) times. */
function pointTimeText(tsMs: number, seq: number): string {
  const ms = Math.floor(tsMs);
  if (ms < 1 || !Number.isSafeInteger(ms)) return String(pointTimeNs(tsMs, seq));
  const sub = String(seq % SEQ_SLOTS);
  return timeMsText(ms) + (ZEROS_BEFORE[sub.length] ?? '') + sub;
}

/**
 * The line is built by concatenation, so V8 holds it as a rope (a tree of its ~15 pieces, ~800 bytes for a
 * 170-character line) until something needs its characters. encodeSpooledReading measures it first thing, which
 * flattens it in place (one flat string, ~230 bytes), before the reading is kept until InfluxDB answers: issue 7 found
 * these trees were most of what a heap snapshot at 17,000 readings/s held per reading. Joining an array of the pieces
 * gave the flat string directly, at ~1.4× the CPU of concatenating and flattening the same pieces.
 */
export function toLineProtocol(reading: Telemetry, device: Device, tsMs: number): string {
  const writeFields = FIELD_WRITERS.get(reading.kind)!;
  const fields = writeFields(reading as unknown as Readonly<Record<string, unknown>>, seriesPrefix(reading.kind, device));
  return `${fields} ${pointTimeText(tsMs, reading.seq)}`;
}

/**
 * Measurement and tag set, escaped, and the space after them: the same for every reading of a device, so kept per
 * registry `Device` object (the registry's cache hands out the same object until the device changes). Escaping per
 * reading was ~6 % of the broker process at 12,000 readings/s (issue 7, docs/benchmarks.md).
 */
const seriesPrefixes = new WeakMap<Device, { kind: string; prefix: string }>();

function seriesPrefix(kind: string, device: Device): string {
  const hit = seriesPrefixes.get(device);
  if (hit !== undefined && hit.kind === kind) return hit.prefix;
  // Joined: one flat string, which every line then points to instead of a tree of its pieces.
  const prefix = [
    escapeMeasurement(kind), ',contractor=', escapeKey(device.contractorId), ',device=', escapeKey(device.id),
    ',district=', escapeKey(device.districtId), ',site=', escapeKey(device.siteId), ' ',
  ].join('');
  seriesPrefixes.set(device, { kind, prefix });
  return prefix;
}
