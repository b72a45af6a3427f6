import { describe, expect, it } from 'vitest';
import { parsePeriod, parseScope } from './scope-period.ts';

const TZ = 'Asia/Shanghai';
const iso = (ms: number) => new Date(ms).toISOString();

describe('scope and period of a grading request', () => {
  it.each([
    ['city', { level: 'city', id: 'city' }],
    ['district:yuexiu', { level: 'district', id: 'yuexiu' }],
    ['site:yx-market-dongshan', { level: 'site', id: 'yx-market-dongshan' }],
  ])('scope %s', (text, scope) => expect(parseScope(text)).toEqual(scope));

  it.each(['', 'district:', 'province:gd', 'site:a/b', 'City'])('refuses scope %j', (text) => expect(() => parseScope(text)).toThrow(/scope/));

  it('cuts months, weeks, days and ranges in the deployment time zone, never UTC', () => {
    const month = parsePeriod('2026-11', TZ);
    expect([month.kind, iso(month.startMs), iso(month.endMs)]).toEqual(['month', '2026-10-31T16:00:00.000Z', '2026-11-30T16:00:00.000Z']);
    const week = parsePeriod('2026-W47', TZ);
    expect([week.kind, iso(week.startMs), iso(week.endMs)]).toEqual(['week', '2026-11-15T16:00:00.000Z', '2026-11-22T16:00:00.000Z']);
    const day = parsePeriod('2026-11-22', TZ);
    expect([day.kind, iso(day.startMs)]).toEqual(['day', '2026-11-21T16:00:00.000Z']);
    const dates = parsePeriod('2026-11-01..2026-11-15', TZ);
    expect([dates.kind, dates.label, iso(dates.startMs), iso(dates.endMs)]).toEqual(['custom', '2026-11-01..2026-11-15', '2026-10-31T16:00:00.000Z', '2026-11-15T16:00:00.000Z']);
    const instants = parsePeriod('2026-11-01T08:00:00+08:00..2026-11-02T08:00:00+08:00', TZ);
    expect([iso(instants.startMs), iso(instants.endMs)]).toEqual(['2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z']);
  });

  it.each(['2026-13', '2026-W54', '2026-11-31', '2026-11-05..2026-11-01', '2026-11-01T00:00:00..2026-11-02T00:00:00', 'a..b..c'])('refuses period %j', (text) => {
    expect(() => parsePeriod(text, TZ)).toThrow();
  });
});
