import { describe, expect, it } from 'vitest';
import { allocPayload, decodeRecords, encodeRecord, RECORD_HEADER_BYTES } from './record-codec.ts';

describe('record frames', () => {
  it('frame a payload from allocPayload in place, byte for byte as a copied one', () => {
    const payload = allocPayload(5);
    payload.write('hello');
    const frame = encodeRecord(payload);
    expect(frame).toEqual(encodeRecord(Buffer.from('hello')));
    expect(frame.buffer).toBe(payload.buffer); // no copy
    expect(frame.byteOffset + RECORD_HEADER_BYTES).toBe(payload.byteOffset);
    expect(decodeRecords(frame).records.map((r) => r.payload.toString())).toEqual(['hello']);
  });

  it('copy any other payload, also one allocated earlier than the latest', () => {
    const first = allocPayload(3);
    first.write('one');
    const second = allocPayload(3);
    second.write('two');
    const a = encodeRecord(first);
    const b = encodeRecord(second);
    expect(a.buffer === first.buffer && a.byteOffset + RECORD_HEADER_BYTES === first.byteOffset).toBe(false);
    expect(b.byteOffset + RECORD_HEADER_BYTES).toBe(second.byteOffset);
    expect(decodeRecords(Buffer.concat([a, b])).records.map((r) => r.payload.toString())).toEqual(['one', 'two']);
    // framed once: a second encoding of the same payload is a copy, not the same frame again
    expect(encodeRecord(second)).not.toBe(b);
    expect(encodeRecord(second)).toEqual(b);
  });

  it('refuse an empty payload, also from allocPayload', () => {
    expect(() => encodeRecord(allocPayload(0))).toThrow(RangeError);
  });
});
