import { describe, expect, it } from 'vitest';
import type { Device } from '../../../contracts/registry.ts';
import type { InfluxSeries } from '../../../platform/influx-http.ts';
import { periodFromLabel } from '../../periods.ts';
import { createAggregateCache } from './aggregate-cache.ts';
import { querySensorAggregates } from './sensor-aggregates.ts';

const TZ = 'Asia/Shanghai';
const HOUR = 3_600_000;
const month = periodFromLabel('2026-11', TZ);

/** A stand-in for InfluxDB's GROUP BY device over rodent readings (the logic under test is the day split). */
function fakeInflux(readings: { device: string; tsMs: number; visits: number }[]) {
  const ranges: [number, number][] = [];
  return {
    ranges,
    async query(q: string): Promise<InfluxSeries[]> {
      if (!q.includes('FROM "rodent_station"')) return [];
      const m = /time >= (\d+)ms AND time < (\d+)ms/.exec(q);
      const [from, to] = [Number(m?.[1]), Number(m?.[2])];
      ranges.push([from, to]);
      const by = new Map<string, number[]>();
      for (const r of readings) if (r.tsMs >= from && r.tsMs < to) by.set(r.device, [...(by.get(r.device) ?? []), r.visits]);
      return [...by].map(([device, v]) => ({
        name: 'rodent_station', tags: { device, site: 'yx-a', district: 'yuexiu' },
        columns: ['time', 'reports', 'visits', 'caught', 'covered'], values: [[from, v.length, v.reduce((a, b) => a + b, 0), 0, v.length * 3600]],
      }));
    },
  };
}

const devices = ['rs-1', 'rs-2'].map((id) => ({ id, kind: 'rodent_station', siteId: 'yx-a', districtId: 'yuexiu', placement: 'indoor', status: 'active' }) as Device);

describe('per-day aggregate cache', () => {
  it('matches one whole-period query, then queries only the open tail and one stale day per run', async () => {
    const now = month.startMs + 10 * 24 * HOUR + 15 * HOUR; // 11 November, 15:00 local
    const readings = Array.from({ length: 11 * 24 }, (_, h) => ({ device: h % 2 ? 'rs-1' : 'rs-2', tsMs: month.startMs + h * HOUR, visits: h % 7 === 0 ? 1 : 0 }));
    const influx = fakeInflux(readings);
    const cache = createAggregateCache({ influx, timeZone: TZ, nightWindow: { fromLocalHour: 19, toLocalHour: 5 } });
    const whole = await querySensorAggregates(influx, { startMs: month.startMs, endMs: month.endMs, timeZone: TZ, nightWindow: { fromLocalHour: 19, toLocalHour: 5 } }, devices);

    influx.ranges.length = 0;
    const first = await cache.aggregates(month, devices, now);
    expect(first).toEqual(whole);
    // Days 1–10 are closed (a day's light-trap range ends at noon the next day, 3 h ago for the 10th); the 11th is
    // the open tail.
    expect(influx.ranges).toHaveLength(11);
    expect(influx.ranges.at(-1)).toEqual([month.startMs + 10 * 24 * HOUR, month.startMs + 11 * 24 * HOUR]);

    influx.ranges.length = 0;
    readings.push({ device: 'rs-1', tsMs: now - HOUR, visits: 5 });
    const second = await cache.aggregates(month, devices, now + 60_000);
    expect(influx.ranges).toHaveLength(2); // one stale day refreshed, plus the tail
    expect(second.find((a) => a.deviceId === 'rs-1')).toMatchObject({ reports: 133 });
    expect(cache.stats().days).toBe(10);
  });
});
