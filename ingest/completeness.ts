/**
 * Completeness of one device's readings over one local day, from the `seq` each reading carries (issue 6): which
 * seqs arrived, which are missing between them, and which late readings filled a gap. Pure: no clock, no I/O;
 * completeness-store.ts keeps the state in SQLite.
 *
 * Seq epochs. A device's seq increases by one per reading, but not forever: firmware restarts the counter at 0,
 * and the simulator starts each run at the clock (`runFleet` default `startSeq`), so seqs jump by millions between
 * runs. Counting such a jump as millions of missing readings would make the numbers useless, so readings are
 * grouped into epochs: a seq joins an epoch when it lies inside it, or beyond one of its ends by no more than the
 * device could have sent in the time between (`MAX_READINGS_PER_SECOND` per second of `ts` difference, plus
 * `SEQ_SLACK`); otherwise it starts a new epoch. Gaps are counted inside epochs only. So a lost stretch is counted
 * as long as the device reports at most once a second on average (every device in the contract does), and a reset
 * or a restart with a new counter is a new epoch, not a gap. The cost: a reset that lands within `SEQ_SLACK` of
 * the old counter is read as the same epoch, and a loss of more than `SEQ_SLACK` readings by a device that
 * really sends faster than once a second reads as a new epoch.
 *
 * Expected readings of a day are counted from the lowest to the highest seq seen that day, per epoch: readings
 * lost at the very start or end of a day, before the first or after the last that arrived, are not visible from
 * that day alone.
 */

/** Inclusive runs of received seqs, sorted and disjoint, with the `ts` of the lowest and highest seq. */
export interface SeqEpoch {
  ranges: [number, number][];
  tsLo: number;
  tsHi: number;
}

export interface DaySummary {
  received: number;
  /** Seqs from the lowest to the highest received, per epoch. */
  expected: number;
  /** expected − received: readings that have not arrived (yet). */
  missing: number;
  /** Holes between received runs. */
  gaps: number;
  epochs: number;
}

/** What adding one seq changed. */
export interface SeqEffect {
  /** Already received (a redelivery): nothing changed. */
  duplicate: boolean;
  /** Seqs newly known to be missing (a jump forward or backward within an epoch). */
  opened: number;
  /** 1 when this seq filled a gap (a late reading), else 0. */
  filled: number;
}

/** The usual effects, shared (one object per reading fewer): a new seq that opened and filled nothing, a redelivery. */
const NOTHING_MISSING: SeqEffect = Object.freeze({ duplicate: false, opened: 0, filled: 0 });
const DUPLICATE: SeqEffect = Object.freeze({ duplicate: true, opened: 0, filled: 0 });

export const MAX_READINGS_PER_SECOND = 1;
export const SEQ_SLACK = 100;

const allowance = (dtMs: number) => SEQ_SLACK + (Math.max(0, dtMs) / 1000) * MAX_READINGS_PER_SECOND;

const lo = (e: SeqEpoch) => e.ranges[0]![0];
const hi = (e: SeqEpoch) => e.ranges.at(-1)![1];

/** Adds a received seq to a day's epochs (mutating them). */
export function addSeq(epochs: SeqEpoch[], seq: number, tsMs: number): SeqEffect {
  for (const e of epochs) {
    if (seq >= lo(e) && seq <= hi(e)) return insertInside(e, seq);
  }
  for (const e of epochs) {
    const top = hi(e);
    if (seq > top && seq - top <= allowance(tsMs - e.tsHi)) {
      const last = e.ranges.at(-1)!;
      if (seq === top + 1) last[1] = seq;
      else e.ranges.push([seq, seq]);
      e.tsHi = tsMs;
      return seq === top + 1 ? NOTHING_MISSING : { duplicate: false, opened: seq - top - 1, filled: 0 };
    }
    const bottom = lo(e);
    if (seq < bottom && bottom - seq <= allowance(e.tsLo - tsMs)) {
      const first = e.ranges[0]!;
      if (seq === bottom - 1) first[0] = seq;
      else e.ranges.unshift([seq, seq]);
      e.tsLo = tsMs;
      return seq === bottom - 1 ? NOTHING_MISSING : { duplicate: false, opened: bottom - seq - 1, filled: 0 };
    }
  }
  epochs.push({ ranges: [[seq, seq]], tsLo: tsMs, tsHi: tsMs });
  return NOTHING_MISSING;
}

/** `seq` lies between the epoch's ends: either already there, or it fills a hole. */
function insertInside(e: SeqEpoch, seq: number): SeqEffect {
  const r = e.ranges;
  // The first range that ends at or after seq (binary search: a device with many holes has many ranges).
  let a = 0;
  let b = r.length - 1;
  while (a < b) {
    const m = (a + b) >> 1;
    if (r[m]![1] < seq) a = m + 1;
    else b = m;
  }
  const at = r[a]!;
  if (seq >= at[0]) return DUPLICATE;
  const before = r[a - 1]!; // exists: seq > lo(e) and seq is not in r[a]
  const joinsBefore = before[1] === seq - 1;
  const joinsAfter = at[0] === seq + 1;
  if (joinsBefore && joinsAfter) {
    before[1] = at[1];
    r.splice(a, 1);
  } else if (joinsBefore) {
    before[1] = seq;
  } else if (joinsAfter) {
    at[0] = seq;
  } else {
    r.splice(a, 0, [seq, seq]);
  }
  return { duplicate: false, opened: 0, filled: 1 };
}

export function summarise(epochs: readonly SeqEpoch[]): DaySummary {
  let received = 0;
  let expected = 0;
  let gaps = 0;
  for (const e of epochs) {
    for (const [a, b] of e.ranges) received += b - a + 1;
    expected += hi(e) - lo(e) + 1;
    gaps += e.ranges.length - 1;
  }
  return { received, expected, missing: expected - received, gaps, epochs: epochs.length };
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/**
 * Day labels by time zone and UTC quarter hour. Every UTC offset in use is a whole number of quarter hours, so local
 * midnight falls on a quarter-hour boundary and one quarter hour has one label. formatToParts per reading was 7 % of
 * the broker process at 12,000 readings/s (issue 7, docs/benchmarks.md). Per zone, the last quarter hour asked for
 * answers first (readings arrive in time order, mostly in the current quarter hour), then a map by quarter-hour
 * number: no key string built per reading.
 */
interface ZoneDays {
  quarter: number;
  day: string;
  byQuarter: Map<number, string>;
}
const zoneDays = new Map<string, ZoneDays>();
const QUARTER_HOUR_MS = 900_000;
const MAX_QUARTERS = 4096;
const MAX_ZONES = 64;

/** The calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function localDay(tsMs: number, timeZone: string): string {
  const quarter = Math.floor(tsMs / QUARTER_HOUR_MS);
  let zone = zoneDays.get(timeZone);
  if (zone === undefined) {
    if (zoneDays.size >= MAX_ZONES) zoneDays.clear();
    zone = { quarter: Number.NaN, day: '', byQuarter: new Map() };
    zoneDays.set(timeZone, zone);
  } else if (zone.quarter === quarter) {
    return zone.day;
  }
  let day = zone.byQuarter.get(quarter);
  if (day === undefined) {
    day = formatLocalDay(tsMs, timeZone);
    if (zone.byQuarter.size >= MAX_QUARTERS) zone.byQuarter.clear();
    zone.byQuarter.set(quarter, day);
  }
  zone.quarter = quarter;
  zone.day = day;
  return day;
}

function formatLocalDay(tsMs: number, timeZone: string): string {
  let f = dayFormats.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, f);
  }
  const parts = f.formatToParts(tsMs);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
