import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDecimalFormatter } from './line-protocol.ts';

describe('createDecimalFormatter', () => {
  it('writes String(n) for any number, one after another (its cache never shows)', () => {
    const text = createDecimalFormatter();
    const edge = [0, -0, 1, 999_999, 1_000_000, 1_000_001, 1_999_999, 2_000_000, 1_795_300_000_123, 1_795_300_000_000, 1_795_300_999_999,
      Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 2 ** 60, 1e21, -1_795_300_000_123, 1_795_300_000_123.5, Number.NaN, Infinity, -Infinity, 5e-7];
    for (const n of [...edge, ...edge.reverse()]) expect(text(n)).toBe(String(n));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.maxSafeNat(), fc.integer({ min: 1_795_000_000_000, max: 1_796_000_000_000 }), fc.double())), (ns) => {
        for (const n of ns) expect(text(n)).toBe(String(n));
      }),
      { numRuns: 300, seed: 3 },
    );
  });
});
