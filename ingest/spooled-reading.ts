/**
 * What ingest keeps in the spool for one accepted reading: the line of line protocol to write, plus the few facts
 * the feeder needs after InfluxDB has answered (counters by kind, completeness by device, seq and day). The line is
 * built at acceptance, with the registry's tags of that moment, so a replay after a crash writes the same point.
 */
import { DEVICE_KINDS, type DeviceKind } from '../contracts/telemetry.ts';

export interface SpooledReading {
  deviceId: string;
  kind: DeviceKind;
  seq: number;
  tsMs: number;
  line: string;
}

export function encodeSpooledReading(r: SpooledReading): Buffer {
  return Buffer.from(JSON.stringify({ d: r.deviceId, k: r.kind, s: r.seq, t: r.tsMs, l: r.line }), 'utf8');
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
  const o = JSON.parse(payload.toString('utf8')) as { d?: unknown; k?: unknown; s?: unknown; t?: unknown; l?: unknown };
  if (
    typeof o.d !== 'string' || typeof o.l !== 'string' || typeof o.s !== 'number' || typeof o.t !== 'number' ||
    !(DEVICE_KINDS as readonly unknown[]).includes(o.k)
  ) {
    throw new Error(`not a spooled reading: ${payload.toString('utf8').slice(0, 120)}`);
  }
  return { deviceId: o.d, kind: o.k as DeviceKind, seq: o.s, tsMs: o.t, line: o.l };
}
