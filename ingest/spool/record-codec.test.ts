import { describe, expect, it } from 'vitest';
import { decodeRecords, encodeRecord } from './record-codec.ts';

describe('record frames', () => {
  it('frame payloads that decode back, in order', () => {
    const frames = Buffer.concat([encodeRecord(Buffer.from('one')), encodeRecord(Buffer.from('two'))]);
    expect(decodeRecords(frames).records.map((r) => r.payload.toString())).toEqual(['one', 'two']);
  });

  it('refuse an empty payload', () => {
    expect(() => encodeRecord(Buffer.alloc(0))).toThrow(RangeError);
  });
});
