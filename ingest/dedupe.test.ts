import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSeqDeduper, type SeqDeduper } from './dedupe.ts';

/** The deduper as first written: a Map kept in recency order by re-inserting on every reading, arrays for rings. */
function referenceDeduper(window: number, maxDevices: number): SeqDeduper {
  const rings = new Map<string, { seen: [number, number][]; next: number }>();
  return {
    seen(deviceId, seq, tsMs) {
      let ring = rings.get(deviceId);
      if (ring === undefined) {
        if (rings.size >= maxDevices) rings.delete(rings.keys().next().value!);
        ring = { seen: [], next: 0 };
      } else {
        rings.delete(deviceId);
      }
      rings.set(deviceId, ring);
      if (ring.seen.some(([s, t]) => s === seq && t === tsMs)) return true;
      ring.seen[ring.next] = [seq, tsMs];
      ring.next = (ring.next + 1) % window;
      return false;
    },
    forget(deviceId, seq, tsMs) {
      for (const entry of rings.get(deviceId)?.seen ?? []) if (entry[0] === seq && entry[1] === tsMs) entry[0] = Number.NaN;
    },
    size: () => rings.size,
  };
}

describe('createSeqDeduper', () => {
  it('reports a (device, seq, ts) the second time only', () => {
    const d = createSeqDeduper();
    expect(d.seen('a', 1, 1000)).toBe(false);
    expect(d.seen('a', 1, 1000)).toBe(true);
    expect(d.seen('a', 1, 1000)).toBe(true);
    expect(d.seen('a', 2, 2000)).toBe(false);
  });

  it('keeps devices apart', () => {
    const d = createSeqDeduper();
    expect(d.seen('a', 1, 1000)).toBe(false);
    expect(d.seen('b', 1, 1000)).toBe(false);
  });

  it('treats a reused seq with a new ts as a new reading (device restarted its counter)', () => {
    const d = createSeqDeduper();
    expect(d.seen('a', 0, 1000)).toBe(false);
    expect(d.seen('a', 0, 5000)).toBe(false);
  });

  it('recognises out-of-order redeliveries within the window', () => {
    const d = createSeqDeduper({ windowPerDevice: 8 });
    for (let seq = 1; seq <= 8; seq++) d.seen('a', seq, seq);
    expect(d.seen('a', 3, 3)).toBe(true);
    expect(d.seen('a', 8, 8)).toBe(true);
  });

  it('forgets the oldest readings of a device beyond its window', () => {
    const d = createSeqDeduper({ windowPerDevice: 4 });
    for (let seq = 1; seq <= 5; seq++) d.seen('a', seq, seq);
    expect(d.seen('a', 1, 1)).toBe(false); // pushed out by 5; recorded again now
    expect(d.seen('a', 5, 5)).toBe(true);
  });

  it('evicts the least recently heard device beyond maxDevices', () => {
    const d = createSeqDeduper({ maxDevices: 2 });
    d.seen('a', 1, 1);
    d.seen('b', 1, 1);
    d.seen('a', 2, 2); // a is now more recent than b
    d.seen('c', 1, 1); // evicts b
    expect(d.size()).toBe(2);
    expect(d.seen('a', 1, 1)).toBe(true);
    expect(d.seen('b', 1, 1)).toBe(false);
  });

  it('answers as the reference deduper on any sequence of readings and forgets', () => {
    const op = fc.record({ forget: fc.boolean(), device: fc.constantFrom('a', 'b', 'c', 'd', 'e'), seq: fc.integer({ min: 0, max: 6 }), ts: fc.integer({ min: 0, max: 2 }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 200 }), (window, maxDevices, ops) => {
        const d = createSeqDeduper({ windowPerDevice: window, maxDevices });
        const ref = referenceDeduper(window, maxDevices);
        for (const o of ops) {
          if (o.forget) {
            d.forget(o.device, o.seq, o.ts);
            ref.forget(o.device, o.seq, o.ts);
          } else {
            expect(d.seen(o.device, o.seq, o.ts)).toBe(ref.seen(o.device, o.seq, o.ts));
          }
          expect(d.size()).toBe(ref.size());
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
