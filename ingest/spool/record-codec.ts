/**
 * Framing of one spool record: `u32 length | u32 crc32(payload) | payload`, little-endian. The CRC lets recovery
 * tell a complete record from a torn tail (a crash in the middle of a write) or a zeroed region (some file systems
 * extend a file with zeros before the data lands): the first frame that does not check out ends the valid log.
 * A zero length is never written, so a run of zero bytes (whose CRC-32 is 0) cannot pass for records.
 */
import { crc32 } from 'node:zlib';

export const RECORD_HEADER_BYTES = 8;
/** Larger frames are refused on write and treated as corruption on read (a garbage length must not allocate GBs). */
export const MAX_RECORD_BYTES = 1 << 20;

export function encodeRecord(payload: Buffer): Buffer {
  if (payload.length === 0 || payload.length > MAX_RECORD_BYTES) {
    throw new RangeError(`spool record must be 1…${MAX_RECORD_BYTES} bytes, got ${payload.length}`);
  }
  const frame = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  payload.copy(frame, RECORD_HEADER_BYTES);
  return frame;
}

export interface DecodedRecords {
  /** Payloads of the complete, valid frames, each with the offset just past it (relative to the buffer). */
  records: { payload: Buffer; end: number }[];
  /** Bytes taken by those frames. */
  consumed: number;
  /**
   * Why decoding stopped before the end of the buffer: `partial` (the next frame continues beyond the buffer: read
   * more, or at the end of the file it is a torn tail), `corrupt` (bad length or CRC), or null (buffer used up).
   */
  stop: 'partial' | 'corrupt' | null;
  /** For `partial`: bytes the next frame needs in total, when its header was readable. */
  needBytes?: number;
}

/** Decodes consecutive frames from the start of `buf` (payloads are views into it). */
export function decodeRecords(buf: Buffer, maxRecords = Infinity): DecodedRecords {
  const records: DecodedRecords['records'] = [];
  let at = 0;
  while (records.length < maxRecords) {
    const left = buf.length - at;
    if (left === 0) return { records, consumed: at, stop: null };
    if (left < RECORD_HEADER_BYTES) return { records, consumed: at, stop: 'partial' };
    const length = buf.readUInt32LE(at);
    if (length === 0 || length > MAX_RECORD_BYTES) return { records, consumed: at, stop: 'corrupt' };
    if (left < RECORD_HEADER_BYTES + length) {
      return { records, consumed: at, stop: 'partial', needBytes: RECORD_HEADER_BYTES + length };
    }
    const payload = buf.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + length);
    if (crc32(payload) !== buf.readUInt32LE(at + 4)) return { records, consumed: at, stop: 'corrupt' };
    at += RECORD_HEADER_BYTES + length;
    records.push({ payload, end: at });
  }
  return { records, consumed: at, stop: null };
}
