import { describe, expect, it } from 'vitest';
import { createSeqDeduper } from './dedupe.ts';

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
});
