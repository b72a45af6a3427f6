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

/** `'000000'.slice(n)` by n: the zeros that pad a group of six digits written with n digits. */
export const ZEROS_BEFORE = ['000000', '00000', '0000', '000', '00', '0', ''] as const;

/**
 * A formatter equal to `String(n)`, quicker for integers from one million up whose digits above the last six repeat
 * from call to call (epoch ms, seqs started at the clock). V8 formats a number outside the small-integer range with a
 * runtime call (~250 ns on the benchmark VM); here the millions are formatted once while they last (17 minutes of
 * epoch ms) and the last six digits are a small integer, about half the cost (bench/micro/admit.ts). Each caller
 * keeps its own formatter: its one-entry cache serves one sequence of numbers.
 */
export function createDecimalFormatter(): (n: number) => string {
  let millions = -1;
  let millionsText = '';
  return (n) => {
    if (!(n >= 1_000_000 && Number.isSafeInteger(n))) return String(n);
    const low = n % 1_000_000; // exact for integers
    const lowText = String(low);
    const high = (n - low) / 1_000_000; // exact: a multiple of a million divided by it
    if (high !== millions) (millions = high), (millionsText = String(high));
    return millionsText + ZEROS_BEFORE[lowText.length]! + lowText;
  };
}
