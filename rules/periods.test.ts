import { describe, expect, it } from 'vitest';
import { RuleError } from './errors.ts';
import { customPeriod, inPeriod, lampNightDate, periodFromLabel, periodOf } from './periods.ts';

const TZ = 'Asia/Shanghai';
const at = (iso: string) => Date.parse(iso);

describe('calendar periods in the deployment time zone', () => {
  it('01:00 CST on 1 December belongs to December, while it is still November in UTC', () => {
    const ts = at('2024-12-01T01:00:00+08:00');
    expect(new Date(ts).getUTCMonth()).toBe(10); // November in UTC
    expect(periodOf('month', ts, TZ).label).toBe('2024-12');
    expect(periodOf('day', ts, TZ).label).toBe('2024-12-01');
    expect(periodOf('month', ts, 'UTC').label).toBe('2024-11');
  });

  it('a CST month runs from local midnight to local midnight', () => {
    const dec = periodFromLabel('2024-12', TZ);
    expect(new Date(dec.startMs).toISOString()).toBe('2024-11-30T16:00:00.000Z');
    expect(new Date(dec.endMs).toISOString()).toBe('2024-12-31T16:00:00.000Z');
    expect(inPeriod(dec, at('2024-11-30T23:59:59.999+08:00'))).toBe(false);
    expect(inPeriod(dec, at('2024-12-01T00:00:00+08:00'))).toBe(true);
    expect(inPeriod(dec, at('2025-01-01T00:00:00+08:00'))).toBe(false);
  });

  it.each([
    ['2024-12-30T09:00:00+08:00', '2025-W01', '2024-12-30'],
    ['2025-01-05T23:59:00+08:00', '2025-W01', '2024-12-30'],
    ['2021-01-03T12:00:00+08:00', '2020-W53', '2020-12-28'],
    ['2021-01-04T00:30:00+08:00', '2021-W01', '2021-01-04'],
    // Sunday 23:30 UTC is already Monday in Shanghai: next ISO week
    ['2024-12-29T23:30:00Z', '2025-W01', '2024-12-30'],
  ])('ISO week across a year boundary: %s is in %s (Monday %s)', (iso, label, monday) => {
    const week = periodOf('week', at(iso), TZ);
    expect(week.label).toBe(label);
    expect(week.startMs).toBe(at(`${monday}T00:00:00+08:00`));
    expect(week.endMs - week.startMs).toBe(7 * 86_400_000);
  });

  it('labels round-trip, and impossible labels are refused', () => {
    for (const label of ['2024-02-29', '2020-W53', '2025-W01', '2024-12']) expect(periodFromLabel(label, TZ).label).toBe(label);
    for (const label of ['2021-W53', '2025-W00', '2023-02-29', '2024-13', '2024/12']) {
      expect(() => periodFromLabel(label, TZ)).toThrow(RuleError);
    }
  });

  it('days follow daylight saving where the zone has it', () => {
    const day = periodOf('day', at('2024-03-10T12:00:00-04:00'), 'America/New_York');
    expect((day.endMs - day.startMs) / 3_600_000).toBe(23);
  });

  it('custom ranges are half-open and must end after they start', () => {
    const p = customPeriod(at('2024-07-01T00:00:00+08:00'), at('2024-07-15T00:00:00+08:00'), TZ);
    expect(p.kind).toBe('custom');
    expect(inPeriod(p, p.startMs)).toBe(true);
    expect(inPeriod(p, p.endMs)).toBe(false);
    expect(() => customPeriod(p.endMs, p.startMs, TZ)).toThrow(RuleError);
  });

  it('an unknown time zone is an input error', () => {
    expect(() => periodOf('day', 0, 'Mars/Olympus')).toThrow(RuleError);
  });
});

describe('lamp-nights count for the date on which they start', () => {
  it.each([
    ['2024-07-01T12:00:00+08:00', '2024-07-01'],
    ['2024-07-01T19:30:00+08:00', '2024-07-01'],
    ['2024-07-01T23:59:00+08:00', '2024-07-01'],
    ['2024-07-02T05:00:00+08:00', '2024-07-01'],
    ['2024-07-02T11:59:59+08:00', '2024-07-01'],
    ['2024-07-02T12:00:00+08:00', '2024-07-02'],
    // a night that starts on 31 December counts for December
    ['2025-01-01T04:00:00+08:00', '2024-12-31'],
    // 22:00 UTC on 1 July is 06:00 CST on 2 July: the night of 1 July
    ['2024-07-01T22:00:00Z', '2024-07-01'],
  ])('%s → night of %s', (iso, night) => {
    expect(lampNightDate(at(iso), TZ)).toBe(night);
  });
});
