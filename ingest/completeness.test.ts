import { describe, expect, it } from 'vitest';
import { openDatabase } from '../platform/sqlite.ts';
import { addSeq, localDay, summarise, type SeqEpoch } from './completeness.ts';
import { createCompletenessReader, createCompletenessTracker } from './completeness-store.ts';

const T0 = Date.parse('2025-06-01T08:00:00+08:00');
const MIN = 60_000;

/** Feeds [seq, minutes after T0] pairs; returns the day summary and the summed effects. */
function run(readings: [number, number][]) {
  const epochs: SeqEpoch[] = [];
  let opened = 0;
  let filled = 0;
  let duplicates = 0;
  for (const [seq, min] of readings) {
    const e = addSeq(epochs, seq, T0 + min * MIN);
    opened += e.opened;
    filled += e.filled;
    if (e.duplicate) duplicates++;
  }
  return { ...summarise(epochs), opened, filled, duplicates };
}

describe('addSeq / summarise', () => {
  it.each([
    ['in order, complete', [[1, 0], [2, 1], [3, 2]], { received: 3, expected: 3, missing: 0, gaps: 0, epochs: 1, opened: 0, filled: 0 }],
    ['one lost reading', [[1, 0], [2, 1], [4, 3]], { received: 3, expected: 4, missing: 1, gaps: 1, opened: 1, filled: 0 }],
    ['a late reading fills the gap', [[1, 0], [3, 2], [2, 1]], { received: 3, expected: 3, missing: 0, gaps: 0, opened: 1, filled: 1 }],
    ['late readings fill part of a wide gap', [[10, 0], [20, 10], [15, 5], [11, 1]], { received: 4, expected: 11, missing: 7, gaps: 2, opened: 9, filled: 2 }],
    ['a redelivery changes nothing', [[5, 0], [6, 1], [5, 0]], { received: 2, expected: 2, missing: 0, duplicates: 1 }],
    ['older readings arriving first extend downwards', [[50, 50], [48, 48], [49, 49]], { received: 3, expected: 3, missing: 0, opened: 1, filled: 1 }],
    // The simulator starts each run at the clock: seq jumps by the milliseconds between runs.
    ['a new counter after a restart is a new epoch, not a million gaps', [[1_700_000_000_000, 0], [1_700_000_000_001, 1], [1_700_000_900_000, 15], [1_700_000_900_001, 16]], { received: 4, expected: 4, missing: 0, gaps: 0, epochs: 2 }],
    ['a counter reset to 0 is a new epoch', [[5000, 0], [5001, 1], [0, 2], [1, 3]], { received: 4, expected: 4, missing: 0, epochs: 2 }],
    ['a long outage is still counted when the seq jump fits the elapsed time', [[1, 0], [400, 60]], { expected: 400, missing: 398, gaps: 1, epochs: 1 }],
  ] as const)('%s', (_name, readings, expected) => {
    expect(run(readings as unknown as [number, number][])).toMatchObject(expected);
  });
});

describe('completeness tracker (SQLite)', () => {
  it('counts per local day, persists on flush and reads back', () => {
    const db = openDatabase(':memory:');
    const gaps: [number, number][] = [];
    const tracker = createCompletenessTracker(db, { timeZone: 'Asia/Shanghai', onGaps: (o, f) => gaps.push([o, f]) });
    const lateEvening = Date.parse('2025-06-01T23:59:00+08:00');
    tracker.record('rs-001', 1, lateEvening);
    tracker.record('rs-001', 3, lateEvening + 30_000); // 2 missing, same day
    tracker.record('rs-001', 4, lateEvening + 61_000); // 00:00:01 the next day in Guangzhou (still 1 June in UTC)
    const reader = createCompletenessReader(db);
    expect(reader.days('rs-001', '2025-06-01', '2025-06-02')).toEqual([]); // not flushed yet
    tracker.flush();
    tracker.record('rs-001', 2, lateEvening + 15_000); // late reading fills the gap
    tracker.flush();
    expect(reader.days('rs-001', '2025-06-01', '2025-06-02')).toEqual([
      { day: '2025-06-01', received: 3, expected: 3, missing: 0, gaps: 0, epochs: 1 },
      { day: '2025-06-02', received: 1, expected: 1, missing: 0, gaps: 0, epochs: 1 },
    ]);
    expect(gaps).toEqual([[1, 0], [0, 1]]);

    // A new tracker (after a restart) continues from SQLite.
    const again = createCompletenessTracker(db, { timeZone: 'Asia/Shanghai', cacheLimit: 16 });
    again.record('rs-001', 6, Date.parse('2025-06-02T00:02:00+08:00'));
    again.flush();
    expect(reader.days('rs-001', '2025-06-02', '2025-06-02')[0]).toMatchObject({ received: 2, expected: 3, missing: 1, gaps: 1 });
    expect(localDay(Date.parse('2025-06-01T16:00:00Z'), 'Asia/Shanghai')).toBe('2025-06-02');
  });

  it('cuts days at local midnight, also where the offset is not whole hours (cached per quarter hour)', () => {
    for (let i = 0; i < 2; i++) {
      // Kathmandu is UTC+05:45: midnight there is 18:15Z.
      expect(localDay(Date.parse('2025-06-01T18:14:59.999Z'), 'Asia/Kathmandu')).toBe('2025-06-01');
      expect(localDay(Date.parse('2025-06-01T18:15:00Z'), 'Asia/Kathmandu')).toBe('2025-06-02');
      expect(localDay(Date.parse('2025-06-01T15:59:59.999Z'), 'Asia/Shanghai')).toBe('2025-06-01');
      expect(localDay(Date.parse('2025-06-01T16:00:00Z'), 'Asia/Shanghai')).toBe('2025-06-02');
    }
  });

  it('counts the same with a small cache (evicting, reloading) as with a large one', () => {
    const small = openDatabase(':memory:');
    const large = openDatabase(':memory:');
    const a = createCompletenessTracker(small, { timeZone: 'Asia/Shanghai', cacheLimit: 16 });
    const b = createCompletenessTracker(large, { timeZone: 'Asia/Shanghai' });
    const devices = Array.from({ length: 30 }, (_, i) => `rs-${String(i).padStart(3, '0')}`);
    let x = 7;
    const next = () => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let n = 0; n < 3000; n++) {
      const device = devices[next() % devices.length]!;
      const seq = next() % 400; // some repeats, some gaps
      const ts = T0 + seq * 10 * MIN + (next() % 3) * 24 * 60 * MIN; // over three days
      a.record(device, seq, ts);
      b.record(device, seq, ts);
      if (n % 500 === 0) a.flush();
    }
    a.flush();
    b.flush();
    for (const device of devices) {
      expect(createCompletenessReader(small).days(device, '2025-05-01', '2025-07-01')).toEqual(createCompletenessReader(large).days(device, '2025-05-01', '2025-07-01'));
    }
  });
});
