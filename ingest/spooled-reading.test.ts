import { describe, expect, it } from 'vitest';
import { decodeSpooledReading, encodeSpooledReading, type SpooledReading } from './spooled-reading.ts';

const reading: SpooledReading = {
  deviceId: 'yx-rs-0001', kind: 'sticky_trap', seq: 42, tsMs: 1_795_300_000_123,
  // A line may hold tabs, quotes, backslashes and CJK in string fields: everything after the fifth tab is the line.
  line: 'sticky_trap,device=yx-rs-0001,site=越秀\\ 西村 note="a\tb \\"c\\"",flies=3i 1795300000123000042',
};

describe('spooled reading records', () => {
  it('round-trip, the line byte for byte', () => {
    expect(decodeSpooledReading(encodeSpooledReading(reading))).toEqual(reading);
  });

  it('are the text `2<tab>device<tab>kind<tab>seq<tab>tsMs<tab>line` in UTF-8, byte for byte', () => {
    for (const r of [
      reading,
      { ...reading, seq: 0, tsMs: 0 },
      { ...reading, seq: 1_795_300_000_999, tsMs: 999_999 },
      { ...reading, seq: Number.MAX_SAFE_INTEGER, tsMs: 1_000_000 },
      { ...reading, tsMs: 1_795_300_000_123.5 },
      { ...reading, seq: -1 },
      { ...reading, kind: 'bin_sensor' as const }, // the same device re-registered as another kind
      { ...reading, deviceId: 'yx-设备-01' }, // not an id ingest accepts, but encoded as the text says
    ]) {
      const text = `2\t${r.deviceId}\t${r.kind}\t${r.seq}\t${r.tsMs}\t${r.line}`;
      expect(encodeSpooledReading(r)).toEqual(Buffer.from(text, 'utf8'));
    }
  });

  it('still read the JSON records of spools written by the previous version', () => {
    const legacy = Buffer.from(JSON.stringify({ d: reading.deviceId, k: reading.kind, s: reading.seq, t: reading.tsMs, l: reading.line }));
    expect(decodeSpooledReading(legacy)).toEqual(reading);
  });

  it.each([
    ['an unknown version', `3\tyx-rs-0001\tsticky_trap\t1\t2\tline`],
    ['too few fields', `2\tyx-rs-0001\tsticky_trap\t1`],
    ['an unknown kind', `2\tyx-rs-0001\trocket\t1\t2\tline`],
    ['a bad device id', `2\tyx rs\tsticky_trap\t1\t2\tline`],
    ['a non-integer seq', `2\tyx-rs-0001\tsticky_trap\t1.5\t2\tline`],
    ['an empty time', `2\tyx-rs-0001\tsticky_trap\t1\t\tline`],
    ['JSON of another shape', '{"d":"yx-rs-0001"}'],
  ])('refuse %s', (_what, text) => {
    expect(() => decodeSpooledReading(Buffer.from(text))).toThrow(/not a spooled reading/);
  });
});
