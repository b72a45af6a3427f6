/**
 * What ingest keeps in the spool for one accepted reading: the line of line protocol to write, plus the few facts
 * the feeder needs after InfluxDB has answered (counters by kind, completeness by device, seq and day). The line is
 * built at acceptance, with the registry's tags of that moment, so a replay after a crash writes the same point.
 */
import { DEVICE_KINDS, type DeviceKind } from '../contracts/telemetry.ts';
import { DEVICE_ID_PATTERN } from '../contracts/topics.ts';
import { allocPayload } from './spool/record-codec.ts';

export interface SpooledReading {
  deviceId: string;
  kind: DeviceKind;
  seq: number;
  tsMs: number;
  line: string;
}

/**
 * `2\t<deviceId>\t<kind>\t<seq>\t<tsMs>\t<line>` (UTF-8). Device ids and kinds cannot hold a tab (contracts/topics.ts),
 * so the first five tabs delimit; the line takes the rest as is. Plain text rather than JSON: JSON.stringify escaped
 * every quote of the line, ~3 % of the stack's CPU at 10,000 readings/s (issue 7). Spools written as JSON by an
 * earlier version (a record starting with `{`) are still read.
 *
 * Written straight into the payload of a spool frame (`allocPayload`): the device's head bytes (kept per device),
 * seq and time digit by digit (non-negative integers, always the case for a reading ingest accepted; anything else
 * goes through its text), then the line as it is: no head string, no number formatting, one copy of the line.
 * Measuring the line first flattens it where it is: to-point.ts builds it by concatenation (a rope), and the spooled
 * reading keeps it until InfluxDB answers, so it must be one flat string by then, not a tree of its pieces.
 */
export function encodeSpooledReading(r: SpooledReading): Buffer {
  const lineBytes = Buffer.byteLength(r.line, 'utf8');
  const { seq, tsMs } = r;
  const head = headOf(r.deviceId, r.kind);
  const seqDigits = digitCount(seq);
  const tsDigits = digitCount(tsMs);
  if (head === undefined || seqDigits === 0 || tsDigits === 0) return encodeAsText(r, lineBytes);
  const payload = allocPayload(head.length + seqDigits + tsDigits + 2 + lineBytes);
  payload.set(head, 0);
  let at = writeDigits(payload, head.length, seq, seqDigits);
  payload[at++] = TAB;
  at = writeDigits(payload, at, tsMs, tsDigits);
  payload[at++] = TAB;
  payload.write(r.line, at, lineBytes, 'utf8');
  return payload;
}

const TAB = 0x09;
const MAX_HEADS = 100_000;
/** `2\t<deviceId>\t<kind>\t` in bytes, by device id (the same for every reading of a device). */
const heads = new Map<string, { kind: string; bytes: Buffer }>();

/** The bytes a record of this device starts with, or undefined when its id or kind is not ASCII. */
function headOf(deviceId: string, kind: string): Buffer | undefined {
  let head = heads.get(deviceId);
  if (head === undefined || head.kind !== kind) {
    const text = `2\t${deviceId}\t${kind}\t`;
    if (Buffer.byteLength(text, 'utf8') !== text.length) return undefined;
    if (heads.size >= MAX_HEADS) heads.clear(); // a bound; ids come from the registry
    head = { kind, bytes: Buffer.from(text, 'latin1') };
    heads.set(deviceId, head);
  }
  return head.bytes;
}

function encodeAsText(r: SpooledReading, lineBytes: number): Buffer {
  const head = `2\t${r.deviceId}\t${r.kind}\t${r.seq}\t${r.tsMs}\t`;
  const headBytes = Buffer.byteLength(head, 'utf8');
  const payload = allocPayload(headBytes + lineBytes);
  payload.write(head, 0, headBytes, 'utf8');
  payload.write(r.line, headBytes, lineBytes, 'utf8');
  return payload;
}

/** Decimal digits of a non-negative safe integer (as `String(n)` writes it), or 0 for any other number. */
function digitCount(n: number): number {
  if (!(n >= 0 && Number.isSafeInteger(n))) return 0;
  let digits = 1;
  for (let p = 10; p <= n; p *= 10) digits++;
  return digits;
}

/** `n`, a non-negative safe integer of `digits` digits, in ASCII: exact, and in 32-bit arithmetic where it fits. */
function writeDigits(buf: Buffer, at: number, n: number, digits: number): number {
  const end = at + digits;
  if (n < 1e9) {
    writeSmallDigits(buf, end, n | 0, digits);
  } else {
    const low = n % 1e9; // exact for integers; the last nine digits
    writeSmallDigits(buf, end, low | 0, 9);
    writeSmallDigits(buf, end - 9, ((n - low) / 1e9) | 0, digits - 9); // < 2^31
  }
  return end;
}

/** The last `count` digits of `n` (0 ≤ n < 2^31), zero-padded, ending before `end`. */
function writeSmallDigits(buf: Buffer, end: number, n: number, count: number): void {
  let rest = n;
  for (let i = end - 1; i >= end - count; i--) {
    buf[i] = 0x30 + (rest % 10);
    rest = (rest / 10) | 0;
  }
}

/**
 * The reading of a spool record: the value admit-reading.ts appended it with, when the spool served it from memory,
 * else decoded from the payload (read back from the file). Throws like `decodeSpooledReading`.
 */
export function spooledReadingOf(record: { payload: Buffer; value?: unknown }): SpooledReading {
  // admit-reading.ts is the spool's only appender and always passes the SpooledReading it encoded as the payload.
  return (record.value as SpooledReading | undefined) ?? decodeSpooledReading(record.payload);
}

/** Throws on a payload this version did not write (the CRC already vouches for the bytes). */
export function decodeSpooledReading(payload: Buffer): SpooledReading {
  const text = payload.toString('utf8');
  if (text.startsWith('{')) return decodeJsonRecord(text);
  const fields: string[] = [];
  let from = 0;
  for (let i = 0; i < 5; i++) {
    const tab = text.indexOf('\t', from);
    if (tab < 0) break;
    fields.push(text.slice(from, tab));
    from = tab + 1;
  }
  const [version, deviceId, kind, seq, tsMs] = fields;
  const s = Number(seq);
  const t = Number(tsMs);
  if (
    version !== '2' || fields.length !== 5 || !DEVICE_ID_PATTERN.test(deviceId!) || !(DEVICE_KINDS as readonly string[]).includes(kind!) ||
    seq === '' || !Number.isSafeInteger(s) || tsMs === '' || !Number.isFinite(t)
  ) {
    throw new Error(`not a spooled reading: ${text.slice(0, 120)}`);
  }
  return { deviceId: deviceId!, kind: kind as DeviceKind, seq: s, tsMs: t, line: text.slice(from) };
}

/** The format before 2026-11-22 (issue 7): `{"d":…,"k":…,"s":…,"t":…,"l":…}`. */
function decodeJsonRecord(text: string): SpooledReading {
  const o = JSON.parse(text) as { d?: unknown; k?: unknown; s?: unknown; t?: unknown; l?: unknown };
  if (
    typeof o.d !== 'string' || typeof o.l !== 'string' || typeof o.s !== 'number' || typeof o.t !== 'number' ||
    !(DEVICE_KINDS as readonly unknown[]).includes(o.k)
  ) {
    throw new Error(`not a spooled reading: ${text.slice(0, 120)}`);
  }
  return { deviceId: o.d, kind: o.k as DeviceKind, seq: o.s, tsMs: o.t, line: o.l };
}
