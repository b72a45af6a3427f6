/**
 * What ingest keeps in the spool for one accepted reading: the line of line protocol to write, plus the few facts
 * the feeder needs after InfluxDB has answered (counters by kind, completeness by device, seq and day). The line is
 * built at acceptance, with the registry's tags of that moment, so a replay after a crash writes the same point.
 */
import { DEVICE_KINDS, type DeviceKind } from '../contracts/telemetry.ts';
import { DEVICE_ID_PATTERN } from '../contracts/topics.ts';

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
 */
export function encodeSpooledReading(r: SpooledReading): Buffer {
  return Buffer.from(`2\t${r.deviceId}\t${r.kind}\t${r.seq}\t${r.tsMs}\t${r.line}`, 'utf8');
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
