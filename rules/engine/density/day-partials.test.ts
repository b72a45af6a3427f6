import { describe, expect, it } from 'vitest';
import type { Device } from '../../../contracts/registry.ts';
import type { InfluxSeries } from '../../../platform/influx-http.ts';
import { openDatabase } from '../../../platform/sqlite.ts';
import { periodFromLabel } from '../../periods.ts';
import { createDayPartialsStore } from './day-partials-store.ts';
import { createDayPartials } from './day-partials.ts';
import { querySensorAggregates } from './sensor-aggregates.ts';

const TZ = 'Asia/Shanghai';
const HOUR = 3_600_000;
const NIGHT = { fromLocalHour: 19, toLocalHour: 5 };
const month = periodFromLabel('2026-11', TZ);

interface Reading {
  device: string;
  site: string;
  district: string;
  kind: 'rodent_station' | 'mosquito_trap' | 'sticky_trap';
  tsMs: number;
  value: number;
}

/**
 * A stand-in for InfluxDB's three GROUP BY queries over hourly readings (periodS 3600): rodent sums, sticky sums and
 * light-trap hourly buckets, honouring the time range and a district filter. Real-InfluxDB behaviour of the same
 * queries is covered by test/rules.e2e.test.ts; here the logic under test is the day split and the roll-up store.
 */
function fakeInflux(readings: Reading[]) {
  const ranges: [number, number][] = [];
  const tagsOf = (r: Reading) => ({ device: r.device, site: r.site, district: r.district });
  return {
    ranges,
    async query(q: string): Promise<InfluxSeries[]> {
      const m = /time >= (\d+)ms AND time < (\d+)ms/.exec(q);
      const [from, to] = [Number(m?.[1]), Number(m?.[2])];
      const district = /"district" = '([^']+)'/.exec(q)?.[1];
      const kind = /FROM "(\w+)"/.exec(q)?.[1] ?? '';
      if (kind === 'rodent_station') ranges.push([from, to]);
      const rs = readings.filter((r) => r.kind === kind && r.tsMs >= from && r.tsMs < to && (district === undefined || r.district === district));
      const by = new Map<string, Reading[]>();
      for (const r of rs) by.set(r.device, [...(by.get(r.device) ?? []), r]);
      return [...by.values()].map((list) => {
        const first = list[0] as Reading;
        const sum = list.reduce((a, r) => a + r.value, 0);
        if (kind === 'rodent_station')
          return { name: kind, tags: tagsOf(first), columns: ['time', 'reports', 'visits', 'caught', 'covered'], values: [[from, list.length, sum, 0, list.length * 3600]] };
        if (kind === 'sticky_trap')
          return { name: kind, tags: tagsOf(first), columns: ['time', 'reports', 'total', 'target'], values: [[from, list.length, sum, 'fly']] };
        // Hourly buckets shifted by 1 ms: a reading stamped on the hour lands in the bucket starting an hour earlier.
        const buckets = new Map<number, Reading[]>();
        for (const r of list) {
          const b = Math.floor((r.tsMs - 1) / HOUR) * HOUR + 1;
          buckets.set(b, [...(buckets.get(b) ?? []), r]);
        }
        return {
          name: kind, tags: tagsOf(first), columns: ['time', 'reports', 'females', 'covered'],
          values: [...buckets].sort(([a], [b]) => a - b).map(([t, l]) => [t, l.length, l.reduce((a, r) => a + r.value, 0), l.length * 3600]),
        };
      });
    },
  };
}

const device = (id: string, kind: Device['kind'], districtId: string) =>
  ({ id, kind, siteId: `${districtId}-a`, districtId, placement: 'indoor', status: 'active' }) as Device;
const devices = [
  device('rs-1', 'rodent_station', 'yuexiu'), device('rs-2', 'rodent_station', 'tianhe'),
  device('lt-1', 'mosquito_trap', 'yuexiu'), device('st-1', 'sticky_trap', 'yuexiu'),
];

/** Hourly readings of every device from the start of the month until `untilMs`; a light trap misses one night's hour. */
function hourly(untilMs: number): Reading[] {
  const out: Reading[] = [];
  for (let t = month.startMs + HOUR; t <= untilMs; t += HOUR) {
    const h = (t - month.startMs) / HOUR;
    for (const d of devices) {
      if (d.kind === 'mosquito_trap' && h === 5 * 24 + 23) continue; // 6 November 23:00: the night starting the 6th is not covered
      out.push({ device: d.id, site: d.siteId, district: d.districtId, kind: d.kind as Reading['kind'], tsMs: t, value: (h * 7 + d.id.length) % 5 });
    }
  }
  return out;
}

function setup(nowMs: number) {
  const readings = hourly(nowMs);
  const influx = fakeInflux(readings);
  const store = createDayPartialsStore(openDatabase(':memory:'));
  const days = createDayPartials({ influx, store, timeZone: TZ, nightWindow: NIGHT });
  return { readings, influx, store, days };
}

describe('daily roll-ups of the density inputs', () => {
  const now = month.startMs + 10 * 24 * HOUR + 15 * HOUR; // 11 November, 15:00 local

  it('gives the same aggregates as one raw query of the period, reading closed days from the roll-up', async () => {
    const { influx, days } = setup(now);
    const whole = await querySensorAggregates(influx, { startMs: month.startMs, endMs: month.endMs, timeZone: TZ, nightWindow: NIGHT }, devices);
    expect(whole.find((a) => a.deviceId === 'lt-1')).toMatchObject({ kind: 'mosquito_trap' });

    const before = await days.aggregates(month, {}, devices);
    expect(before.basis).toEqual({ days: 30, rolledUp: 0, queried: 30 });
    expect(before.aggregates).toEqual(whole);

    // Days 1–10 are closed (a day's light-trap range ends at noon the next day, 3 h before now).
    expect(await days.maintain(month.startMs, now, now)).toEqual({ rolledUp: 10, refreshed: 0, missing: 0 });
    influx.ranges.length = 0;
    const after = await days.aggregates(month, {}, devices);
    expect(after.basis).toEqual({ days: 30, rolledUp: 10, queried: 20 });
    expect(influx.ranges).toEqual([[month.startMs + 10 * 24 * HOUR, month.endMs]]); // one query for the open rest
    expect(after.aggregates).toEqual(whole);
    const trap = after.aggregates.find((a) => a.deviceId === 'lt-1');
    expect(trap?.kind === 'mosquito_trap' && trap.nights.filter((n) => !n.coveredNight).map((n) => n.night)).toEqual(['2026-11-06', '2026-11-11']);
  });

  it('narrows the roll-up to a district as the raw query does', async () => {
    const { influx, days } = setup(now);
    await days.maintain(month.startMs, now, now);
    const yuexiu = devices.filter((d) => d.districtId === 'yuexiu');
    const raw = await querySensorAggregates(influx, { startMs: month.startMs, endMs: month.endMs, timeZone: TZ, nightWindow: NIGHT, where: { districtId: 'yuexiu' } }, yuexiu);
    const { aggregates } = await days.aggregates(month, { districtId: 'yuexiu' }, yuexiu);
    expect(aggregates).toEqual(raw);
    expect(aggregates.map((a) => a.deviceId).sort()).toEqual(['lt-1', 'rs-1', 'st-1']);
  });

  it('re-reads recently closed days every 15 min for late readings, stalest first, and leaves older days alone', async () => {
    const { readings, influx, days } = setup(now);
    await days.maintain(month.startMs, now, now);
    // A reading of the 10th (closed at noon today) arrives late.
    readings.push({ device: 'rs-1', site: 'yuexiu-a', district: 'yuexiu', kind: 'rodent_station', tsMs: month.startMs + 9 * 24 * HOUR + 2 * HOUR + 5, value: 40 });
    const stale = (await days.aggregates(month, {}, devices)).aggregates.find((a) => a.deviceId === 'rs-1');
    expect(await days.maintain(month.startMs, now + 60_000, now + 60_000)).toEqual({ rolledUp: 0, refreshed: 0, missing: 0 }); // not due yet
    influx.ranges.length = 0;
    // Due after 15 min: one day per call. Only the days closed less than 72 h ago (the 8th, 9th and 10th) qualify.
    for (let i = 1; i <= 4; i++) await days.maintain(month.startMs, now + i * 16 * 60_000, now + i * 16 * 60_000);
    const dayOf = (ms: number) => (ms - month.startMs) / (24 * HOUR) + 1;
    expect(influx.ranges.map(([from]) => dayOf(from))).toEqual([8, 9, 10, 8]);
    const fresh = (await days.aggregates(month, {}, devices)).aggregates.find((a) => a.deviceId === 'rs-1');
    expect(fresh?.reports).toBe((stale?.reports ?? 0) + 1);

    // Once a day's horizon has passed, one last read after it, then never again.
    influx.ranges.length = 0;
    const later = month.startMs + 14 * 24 * HOUR; // 15 November: the 8th–10th closed more than 72 h ago
    // First call: the 11th–13th are missing and rolled up (the 14th closes at noon); then one stale day per call, stalest first.
    for (let i = 0; i < 6; i++) await days.maintain(month.startMs, later + i * HOUR, later + i * HOUR);
    const read = influx.ranges.map(([from]) => dayOf(from));
    expect(read.slice(0, 3)).toEqual([13, 12, 11]);
    expect(read.filter((d) => d <= 10)).toEqual([9, 10, 8]);
  });

  it('ignores days rolled up under another time zone or night window, and rolls them up again', async () => {
    const { influx, store } = setup(now);
    const other = createDayPartials({ influx, store, timeZone: TZ, nightWindow: { fromLocalHour: 20, toLocalHour: 4 } });
    await other.maintain(month.startMs, now, now);
    const days = createDayPartials({ influx, store, timeZone: TZ, nightWindow: NIGHT });
    expect((await days.aggregates(month, {}, devices)).basis.rolledUp).toBe(0);
    expect(await days.maintain(month.startMs, now, now, { maxDays: 3 })).toEqual({ rolledUp: 3, refreshed: 0, missing: 7 });
    // Newest first: the days nearest to now are the ones the current evaluation needs most.
    expect(store.storedDays(month.startMs, now, `${TZ}|night 19-5|v1`).map((d) => (d.startMs - month.startMs) / (24 * HOUR))).toEqual([7, 8, 9]);
  });
});
