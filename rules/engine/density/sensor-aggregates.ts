/**
 * Per-device aggregates of one period, computed inside InfluxDB (`GROUP BY device`) so a month of 20,000 devices
 * costs a few thousand rows, not millions of raw points (issue 7 budget). Three InfluxQL queries:
 * - rodent stations: reports, Σ visits, Σ caught, Σ periodS (trap-nights = covered seconds ÷ 86 400);
 * - sticky traps: reports, Σ count, last target;
 * - light traps: hourly buckets of Σ females and Σ periodS, summarised into lamp-nights (`summariseLampNights`):
 *   a night counts only when the buckets cover the deployment's night window, and it counts for the date it starts
 *   (periods.ts: noon to noon), so the query runs to noon after the period's end and nights starting outside the
 *   period are dropped.
 * Buckets are shifted by 1 ms (`time(1h, 1ms)`): a reading stamped exactly on the hour covers the hour before it,
 * and that is the bucket it lands in. Devices are joined with the registry for placement; registered devices that
 * sent nothing are listed with `reports: 0` (evidence, never a denominator).
 */
import type { Device } from '../../../contracts/registry.ts';
import type { InfluxHttp, InfluxSeries } from '../../../platform/influx-http.ts';
import type { DeviceAggregate, LampNight } from '../../indices/inputs.ts';
import { summariseLampNights, type NightWindow, type TrapReport } from '../../lamp-nights.ts';
import { LAMP_NIGHT_CUTOFF_HOUR, periodOf, zonedTimeToMs } from '../../periods.ts';

const HOUR_MS = 3_600_000;
const DAY_S = 86_400;

export type ScopedAggregate = DeviceAggregate & { readonly siteId: string; readonly districtId: string };

export interface AggregateQuery {
  startMs: number;
  endMs: number;
  timeZone: string;
  nightWindow: NightWindow;
  /** Narrows the queries (the API's site or district scope); the engine queries the whole city once. */
  where?: { districtId?: string | undefined; siteId?: string | undefined } | undefined;
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function whereClause(q: AggregateQuery, startMs: number, endMs: number): string {
  const parts = [`time >= ${startMs}ms`, `time < ${endMs}ms`];
  if (q.where?.districtId !== undefined) parts.push(`"district" = ${quote(q.where.districtId)}`);
  if (q.where?.siteId !== undefined) parts.push(`"site" = ${quote(q.where.siteId)}`);
  return parts.join(' AND ');
}

function col(series: InfluxSeries, row: unknown[], name: string): unknown {
  const i = series.columns.indexOf(name);
  return i < 0 ? undefined : row[i];
}
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

interface Tagged {
  deviceId: string;
  siteId: string;
  districtId: string;
}
function tagsOf(s: InfluxSeries): Tagged | null {
  const t = s.tags ?? {};
  if (!t.device || !t.site || !t.district) return null;
  return { deviceId: t.device, siteId: t.site, districtId: t.district };
}

/** Per-device sums of one time range, before the registry join: they add up across ranges (aggregate-cache.ts). */
export interface Partials {
  rodent: Map<string, Tagged & { reports: number; visits: number; caught: number; covered: number }>;
  sticky: Map<string, Tagged & { reports: number; total: number; target: string | undefined }>;
  /**
   * Light traps: raw hourly buckets of a queried range, and lamp-nights already summarised by a day roll-up
   * (`settleDay`, day-partials.ts). A night in `nights` wins over buckets summarised into the same night.
   */
  mosquito: Map<string, Tagged & { reports: number; buckets: TrapReport[]; nights: LampNight[] }>;
}

export interface TimeRanges {
  /** Rodent stations and sticky traps: the period itself. */
  counts: { startMs: number; endMs: number };
  /** Light traps: shifted to the nights that start in the period (noon to noon). */
  nights: { startMs: number; endMs: number };
}

/**
 * The ranges a period [startMs, endMs) reads: lamp-nights start on its days and run on to the next noon. The nights'
 * range is shifted by 1 ms like the hourly buckets (`time(1h, 1ms)`), so it holds exactly the buckets of its nights: a
 * reading stamped exactly at noon covers the hour before noon, which belongs to the night ending that morning.
 */
export function rangesOf(startMs: number, endMs: number): TimeRanges {
  const shift = LAMP_NIGHT_CUTOFF_HOUR * HOUR_MS + 1;
  return { counts: { startMs, endMs }, nights: { startMs: startMs + shift, endMs: endMs + shift } };
}

export const emptyPartials = (): Partials => ({ rodent: new Map(), sticky: new Map(), mosquito: new Map() });
const partialKey = (t: Tagged) => `${t.deviceId}\u0000${t.siteId}`;

/** The three InfluxQL queries of one time range (optionally narrowed to a district or site). */
export async function queryPartials(influx: Pick<InfluxHttp, 'query'>, r: TimeRanges, where: AggregateQuery['where']): Promise<Partials> {
  const q = { where } as AggregateQuery;
  const countsWhere = whereClause(q, r.counts.startMs, r.counts.endMs);
  const nightsWhere = whereClause(q, r.nights.startMs, r.nights.endMs);
  const group = 'GROUP BY "device", "site", "district"';
  const [rodent, sticky, mosquito] = await Promise.all([
    influx.query(`SELECT count("seq") AS reports, sum("visits") AS visits, sum("caught") AS caught, sum("periodS") AS covered FROM "rodent_station" WHERE ${countsWhere} ${group}`),
    influx.query(`SELECT count("seq") AS reports, sum("count") AS total, last("target") AS target FROM "sticky_trap" WHERE ${countsWhere} ${group}`),
    influx.query(
      `SELECT count("seq") AS reports, sum("females") AS females, sum("periodS") AS covered FROM "mosquito_trap" WHERE ${nightsWhere} GROUP BY time(1h, 1ms), "device", "site", "district" fill(none)`,
    ),
  ]);
  const out = emptyPartials();
  for (const s of rodent) {
    const t = tagsOf(s);
    const row = s.values[0];
    if (!t || !row) continue;
    out.rodent.set(partialKey(t), { ...t, reports: num(col(s, row, 'reports')), visits: num(col(s, row, 'visits')), caught: num(col(s, row, 'caught')), covered: num(col(s, row, 'covered')) });
  }
  for (const s of sticky) {
    const t = tagsOf(s);
    const row = s.values[0];
    if (!t || !row) continue;
    const target = col(s, row, 'target');
    out.sticky.set(partialKey(t), { ...t, reports: num(col(s, row, 'reports')), total: num(col(s, row, 'total')), target: typeof target === 'string' ? target : undefined });
  }
  for (const s of mosquito) {
    const t = tagsOf(s);
    if (!t) continue;
    let reports = 0;
    const buckets: TrapReport[] = s.values.map((row) => {
      reports += num(col(s, row, 'reports'));
      // A bucket [h + 1 ms, h + 1 h + 1 ms) holds readings ending in (h, h + 1 h]: its window ends at h + 1 h.
      const endMs = num(col(s, row, 'time')) + HOUR_MS - 1;
      return { tsMs: endMs, periodS: Math.min(num(col(s, row, 'covered')), HOUR_MS / 1000), females: num(col(s, row, 'females')) };
    });
    out.mosquito.set(partialKey(t), { ...t, reports, buckets, nights: [] });
  }
  return out;
}

/** Sums partials of consecutive ranges, oldest first (a sticky trap's target is its latest). */
export function mergePartials(list: readonly Partials[]): Partials {
  const out = emptyPartials();
  for (const p of list) {
    for (const [k, v] of p.rodent) {
      const a = out.rodent.get(k);
      out.rodent.set(k, a ? { ...a, reports: a.reports + v.reports, visits: a.visits + v.visits, caught: a.caught + v.caught, covered: a.covered + v.covered } : { ...v });
    }
    for (const [k, v] of p.sticky) {
      const a = out.sticky.get(k);
      out.sticky.set(k, a ? { ...a, reports: a.reports + v.reports, total: a.total + v.total, target: v.target ?? a.target } : { ...v });
    }
    for (const [k, v] of p.mosquito) {
      const a = out.mosquito.get(k);
      out.mosquito.set(
        k,
        a
          ? { ...a, reports: a.reports + v.reports, buckets: [...a.buckets, ...v.buckets], nights: [...a.nights, ...v.nights] }
          : { ...v, buckets: [...v.buckets], nights: [...v.nights] },
      );
    }
  }
  return out;
}

/** Partials of a period → per-device aggregates, joined with the registry's devices of the same scope. */
export function finalizeAggregates(p: Partials, q: Pick<AggregateQuery, 'startMs' | 'endMs' | 'timeZone' | 'nightWindow'>, devices: readonly Device[]): ScopedAggregate[] {
  const byId = new Map(devices.map((d) => [d.id, d]));
  const out = new Map<string, ScopedAggregate>();
  for (const [k, v] of p.rodent) {
    const device = byId.get(v.deviceId);
    if (!device) continue;
    out.set(k, {
      kind: 'rodent_station', deviceId: v.deviceId, siteId: v.siteId, districtId: v.districtId, placement: device.placement,
      reports: v.reports, visits: v.visits, caught: v.caught, trapNights: v.covered / DAY_S,
    });
  }
  for (const [k, v] of p.sticky) {
    if (v.target !== 'fly' && v.target !== 'cockroach') continue;
    out.set(k, { kind: 'sticky_trap', deviceId: v.deviceId, siteId: v.siteId, districtId: v.districtId, target: v.target, reports: v.reports, count: v.total });
  }
  // Nights are few distinct dates: their start instants (Intl time-zone arithmetic) once each.
  const starts = new Map<string, number>();
  const startOf = (night: string) => {
    let ms = starts.get(night);
    if (ms === undefined) starts.set(night, (ms = nightStartMs(night, q.timeZone)));
    return ms;
  };
  for (const [k, v] of p.mosquito) {
    const settled = new Set(v.nights.map((n) => n.night));
    const fromBuckets = v.buckets.length > 0 ? summariseLampNights(v.buckets, q.timeZone, q.nightWindow).filter((n) => !settled.has(n.night)) : [];
    const nights: LampNight[] = [...v.nights, ...fromBuckets]
      .filter((n) => {
        const startsAt = startOf(n.night);
        return startsAt >= q.startMs && startsAt < q.endMs;
      })
      .sort((a, b) => (a.night < b.night ? -1 : a.night > b.night ? 1 : 0));
    out.set(k, { kind: 'mosquito_trap', deviceId: v.deviceId, siteId: v.siteId, districtId: v.districtId, reports: v.reports, nights });
  }

  // Registered devices that reported nothing in the period: listed, never counted (issue 3: not a zero).
  const reported = new Set([...out.values()].map((a) => a.deviceId));
  for (const d of devices) {
    if (reported.has(d.id) || d.status !== 'active') continue;
    const base = { deviceId: d.id, siteId: d.siteId, districtId: d.districtId, reports: 0 };
    if (d.kind === 'rodent_station') out.set(d.id, { ...base, kind: 'rodent_station', placement: d.placement, visits: 0, caught: 0, trapNights: 0 });
    else if (d.kind === 'mosquito_trap') out.set(d.id, { ...base, kind: 'mosquito_trap', nights: [] });
  }
  return [...out.values()];
}

const nightStartMs = (night: string, timeZone: string): number => {
  const [y, m, d] = night.split('-').map(Number) as [number, number, number];
  return zonedTimeToMs(y, m, d, LAMP_NIGHT_CUTOFF_HOUR, timeZone);
};

/**
 * The partials of one closed local day, made ready to store (day-partials-store.ts): light-trap buckets become the
 * lamp-night that starts that day. The day's light-trap range runs noon to noon (`rangesOf`), so it holds every hourly
 * bucket of that night and no other: a bucket belongs to the night of its window's midpoint (`summariseLampNights`).
 */
export function settleDay(p: Partials, dayStartMs: number, timeZone: string, nightWindow: NightWindow): Partials {
  const day = periodOf('day', dayStartMs, timeZone).label;
  const out: Partials = { rodent: new Map(p.rodent), sticky: new Map(p.sticky), mosquito: new Map() };
  for (const [k, v] of p.mosquito) {
    const nights = [...v.nights, ...summariseLampNights(v.buckets, timeZone, nightWindow)].filter((n) => n.night === day);
    out.mosquito.set(k, { ...v, buckets: [], nights: nights.slice(0, 1) });
  }
  return out;
}

/** One period in one go (the API's on-demand path); the engine goes through the day cache (aggregate-cache.ts). */
export async function querySensorAggregates(influx: Pick<InfluxHttp, 'query'>, q: AggregateQuery, devices: readonly Device[]): Promise<ScopedAggregate[]> {
  return finalizeAggregates(await queryPartials(influx, rangesOf(q.startMs, q.endMs), q.where), q, devices);
}
