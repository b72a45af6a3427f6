import { describe, expect, it } from 'vitest';
import { RuleError } from './errors.ts';
import { summariseLampNights, type TrapReport } from './lamp-nights.ts';

const TZ = 'Asia/Shanghai';
const WINDOW = { fromLocalHour: 18, toLocalHour: 6 };
/** A report ending at `end` (local ISO) covering `hours`. */
const report = (end: string, hours: number, females: number): TrapReport => ({
  tsMs: Date.parse(`${end}+08:00`),
  periodS: hours * 3600,
  females,
});

describe('summariseLampNights', () => {
  it('hourly reports from 18:00 to 06:00 make one covered lamp-night dated by its evening', () => {
    const first = Date.parse('2024-07-01T19:00:00+08:00');
    const local = Array.from({ length: 12 }, (_, i): TrapReport => ({ tsMs: first + i * 3_600_000, periodS: 3600, females: 1 }));
    expect(summariseLampNights(local, TZ, WINDOW)).toEqual([{ night: '2024-07-01', coveredNight: true, females: 12 }]);
  });

  it('a gap in the night makes it uncovered; its females are still summed but it is no lamp-night', () => {
    const reports = [report('2024-07-01T23:00:00', 5, 4), report('2024-07-02T06:00:00', 6, 3)];
    expect(summariseLampNights(reports, TZ, WINDOW)).toEqual([{ night: '2024-07-01', coveredNight: false, females: 7 }]);
  });

  it('one report covering the whole night counts; two nights are kept apart', () => {
    const reports = [report('2024-07-02T07:00:00', 14, 20), report('2024-07-03T06:00:00', 10, 5)];
    expect(summariseLampNights(reports, TZ, WINDOW)).toEqual([
      { night: '2024-07-01', coveredNight: true, females: 20 },
      { night: '2024-07-02', coveredNight: false, females: 5 },
    ]);
  });

  it('refuses a window that does not cross midnight', () => {
    expect(() => summariseLampNights([], TZ, { fromLocalHour: 6, toLocalHour: 18 })).toThrow(RuleError);
  });
});
