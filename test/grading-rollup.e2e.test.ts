/**
 * Daily roll-ups against a real influxd (issue 7: a month's grading from per-day sums): a month of readings of every
 * density device kind — hourly, some every 20 min, light-trap readings stamped exactly at noon, a silent night, a
 * device in another district — gives the same per-device aggregates from the roll-ups as one raw InfluxQL query of
 * the month, for the city and for a district, and a late reading reaches the roll-up on a refresh.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../contracts/registry.ts';
import { createInfluxHttp, type InfluxHttp } from '../platform/influx-http.ts';
import { startInfluxd, type LocalInfluxd } from '../platform/influxd.ts';
import { openDatabase } from '../platform/sqlite.ts';
import { createDayPartialsStore } from '../rules/engine/density/day-partials-store.ts';
import { createDayPartials } from '../rules/engine/density/day-partials.ts';
import { querySensorAggregates } from '../rules/engine/density/sensor-aggregates.ts';
import { periodFromLabel } from '../rules/periods.ts';

const TZ = 'Asia/Shanghai';
const HOUR = 3_600_000;
const MIN = 60_000;
const NIGHT = { fromLocalHour: 19, toLocalHour: 5 };
const month = periodFromLabel('2026-10', TZ);
const now = month.endMs + 2 * 24 * HOUR; // 3 November: every day of October is closed

const device = (id: string, kind: Device['kind'], districtId: string, siteId: string) =>
  ({ id, kind, siteId, districtId, placement: 'outdoor', status: 'active' }) as Device;
const devices: Device[] = [
  device('rs-yx-1', 'rodent_station', 'yuexiu', 'yx-a'),
  device('rs-yx-2', 'rodent_station', 'yuexiu', 'yx-b'),
  device('rs-th-1', 'rodent_station', 'tianhe', 'th-a'),
  device('lt-yx-1', 'mosquito_trap', 'yuexiu', 'yx-a'),
  device('lt-yx-2', 'mosquito_trap', 'yuexiu', 'yx-b'),
  device('lt-th-1', 'mosquito_trap', 'tianhe', 'th-a'),
  device('st-yx-1', 'sticky_trap', 'yuexiu', 'yx-a'),
  device('st-th-1', 'sticky_trap', 'tianhe', 'th-a'),
  device('rs-yx-silent', 'rodent_station', 'yuexiu', 'yx-a'),
];

function line(d: Device, tsMs: number, seq: number, periodS: number, n: number): string {
  const tags = `device=${d.id},site=${d.siteId},district=${d.districtId}`;
  const fields =
    d.kind === 'rodent_station'
      ? `seq=${seq}i,periodS=${periodS}i,visits=${n % 3}i,caught=${n % 2}i`
      : d.kind === 'mosquito_trap'
        ? `seq=${seq}i,periodS=${periodS}i,females=${n % 9}i,males=1i`
        : `seq=${seq}i,periodS=${periodS}i,target="${d.id === 'st-th-1' && tsMs > month.startMs + 20 * 24 * HOUR ? 'cockroach' : 'fly'}",count=${n % 4}i`;
  return `${d.kind},${tags} ${fields} ${tsMs * 1_000_000 + seq}`;
}

/** A month (plus the noon after it) of readings: every hour, every 20 min for lt-yx-2, none for one night of lt-yx-1. */
function monthOfLines(): string[] {
  const out: string[] = [];
  for (const d of devices) {
    if (d.id === 'rs-yx-silent') continue;
    const step = d.id === 'lt-yx-2' ? 20 * MIN : HOUR;
    let seq = 0;
    for (let t = month.startMs - 12 * HOUR; t <= month.endMs + 13 * HOUR; t += step) {
      seq += 1;
      const h = Math.floor((t - month.startMs) / HOUR);
      if (d.id === 'lt-yx-1' && h >= 9 * 24 + 20 && h < 9 * 24 + 23) continue; // 10 October 20:00–23:00 local: a gap
      out.push(line(d, t, seq, step / 1000, seq * 7 + h));
    }
  }
  return out;
}

let dir: string;
let influxd: LocalInfluxd;
let influx: InfluxHttp;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vw-rollup-'));
  influxd = await startInfluxd({ dataDir: join(dir, 'influxdb') });
  influx = createInfluxHttp({ url: influxd.url, db: 'vw' });
  await influx.exec('CREATE DATABASE vw');
  const lines = monthOfLines();
  for (let i = 0; i < lines.length; i += 5000) await influx.write(lines.slice(i, i + 5000).join('\n'));
}, 60_000);

afterAll(async () => {
  await influxd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a month graded from daily roll-ups (real influxd)', () => {
  it('equals one raw query of the month, city-wide and for a district', async () => {
    const store = createDayPartialsStore(openDatabase(':memory:'));
    const days = createDayPartials({ influx, store, timeZone: TZ, nightWindow: NIGHT });
    const q = { startMs: month.startMs, endMs: month.endMs, timeZone: TZ, nightWindow: NIGHT };
    const rawCity = await querySensorAggregates(influx, q, devices);
    const yuexiu = devices.filter((d) => d.districtId === 'yuexiu');
    const rawYuexiu = await querySensorAggregates(influx, { ...q, where: { districtId: 'yuexiu' } }, yuexiu);

    expect(await days.maintain(month.startMs, month.endMs, now)).toEqual({ rolledUp: 31, refreshed: 0, missing: 0 });
    const city = await days.aggregates(month, {}, devices);
    expect(city.basis).toEqual({ days: 31, rolledUp: 31, queried: 0 });
    expect(city.aggregates).toEqual(rawCity);
    expect((await days.aggregates(month, { districtId: 'yuexiu' }, yuexiu)).aggregates).toEqual(rawYuexiu);

    // The data is what it says: 31 lamp-nights per trap, one of them uncovered; readings at noon counted once.
    const trap = city.aggregates.find((a) => a.deviceId === 'lt-yx-1');
    expect(trap?.kind === 'mosquito_trap' && trap.nights.length).toBe(31);
    expect(trap?.kind === 'mosquito_trap' && trap.nights.filter((n) => !n.coveredNight).map((n) => n.night)).toEqual(['2026-10-10']);
    const stored = await influx.query(
      `SELECT sum("females") AS f FROM "mosquito_trap" WHERE "device" = 'lt-yx-2' AND time >= ${month.startMs + 12 * HOUR + 1}ms AND time < ${month.endMs + 12 * HOUR + 1}ms`,
    );
    const nights = city.aggregates.find((a) => a.deviceId === 'lt-yx-2');
    expect(nights?.kind === 'mosquito_trap' && nights.nights.reduce((s, n) => s + n.females, 0)).toBe(stored[0]?.values[0]?.[1]);
    expect(city.aggregates.find((a) => a.deviceId === 'rs-yx-silent')).toMatchObject({ reports: 0 });
    expect(city.aggregates.find((a) => a.deviceId === 'st-th-1')).toMatchObject({ target: 'cockroach' });
  });

  it('a late reading for a rolled-up day reaches the roll-up on the next refresh', async () => {
    const store = createDayPartialsStore(openDatabase(':memory:'));
    const days = createDayPartials({ influx, store, timeZone: TZ, nightWindow: NIGHT, refreshPerRun: 31, lateMs: 60 * 24 * HOUR, refreshEveryMs: 0 });
    await days.maintain(month.startMs, month.endMs, now);
    const before = (await days.aggregates(month, {}, devices)).aggregates.find((a) => a.deviceId === 'rs-yx-silent');
    expect(before).toMatchObject({ reports: 0 });
    const late = devices.find((d) => d.id === 'rs-yx-silent') as Device;
    await influx.write(line(late, month.startMs + 5 * 24 * HOUR, 1, 3600, 1));
    expect((await days.maintain(month.startMs, month.endMs, now + MIN)).refreshed).toBe(31);
    const after = (await days.aggregates(month, {}, devices)).aggregates.find((a) => a.deviceId === 'rs-yx-silent');
    expect(after).toMatchObject({ reports: 1, visits: 1 });
  });
});
