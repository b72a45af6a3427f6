/**
 * Escaping and value syntax of InfluxDB line protocol
 * (https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/#special-characters).
 * Newlines cannot be escaped at all; callers only pass registry ids and schema-validated values, which cannot
 * contain one.
 */

/** Measurement names: escape commas and spaces. */
export function escapeMeasurement(name: string): string {
  return name.replace(/[, ]/g, '\\$&');
}

/** Tag keys, tag values and field keys: escape commas, equals signs and spaces. */
export function escapeKey(key: string): string {
  return key.replace(/[,= ]/g, '\\$&');
}

/** String field values: double-quoted, with `"` and `\` escaped. */
export function quoteString(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** Integer fields carry the `i` suffix; without it InfluxDB stores a float. */
export function formatInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer field value: ${value}`);
  return `${value}i`;
}

/** Float fields: a plain decimal (or exponent) number. `7` is a float in line protocol. */
export function formatFloat(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite float field value: ${value}`);
  return String(value);
}
