/**
 * An ultrasonic fill-level sensor in the lid of a 1,100 mm deep bin (Milesight EM400-UDL class, standards.md §8:
 * distance in mm, temperature, tilt). Waste arrives with the day's rhythm (market mornings, evenings); bins are
 * emptied on a schedule — twice a day at markets and transfer stations, once or twice on streets, once at toilets
 * (standards.md §7: 日产日清, street bins ≥ 1–2 emptyings a day) — and sometimes late or skipped, so bins sit
 * above 85 % for hours and occasionally overflow. fillPct is derived from the measured distance, so the two agree.
 */
import { airTempC, bell, monthly } from '../climate.ts';
import { localDay, localHour, localMidnightMs } from '../local-time.ts';
import type { Rng } from '../random.ts';
import { clamp, dailyMean, Episode, round } from './processes.ts';
import type { ProfileFactory, SiteType } from './types.ts';
import { createVitals } from './vitals.ts';

export const BIN_DEPTH_MM = 1100;

/** Average fill added per hour, % of the bin. */
const FILL_PCT_PER_HOUR: Partial<Record<SiteType, number>> = { market: 5.5, transfer_station: 6, street: 3.2, public_toilet: 2.6 };
/** Scheduled emptyings, local hours. */
const SCHEDULE: Partial<Record<SiteType, readonly number[]>> = {
  market: [6.5, 15],
  transfer_station: [7, 17],
  public_toilet: [8.5],
};
/** Even months of waste look the same; summer fruit and market peaks add a little. */
const WASTE_SEASON = [1.05, 1.1, 0.95, 0.95, 1, 1.05, 1.08, 1.08, 1, 1, 0.95, 1] as const;

/** Waste arrives in the morning (markets) and the evening, hardly at night. */
function wasteShape(hour: number, siteType: SiteType): number {
  const morning = siteType === 'market' ? 2.2 : 1;
  return 0.08 + morning * bell(hour, 8.5, 1.8) + 0.6 * bell(hour, 13, 2) + 0.9 * bell(hour, 19, 1.8);
}

interface Emptying {
  atMs: number;
  residualPct: number;
}

/** One scheduled emptying on a given local day: usually on time, sometimes hours late (≈12 %), rarely skipped (≈3 %). */
function emptyingOn(rng: Rng, day: number, slot: number, hour: number): Emptying | null {
  const r = rng.fork(`empty:${day}:${slot}`);
  const u = r.next();
  if (u < 0.03) return null;
  const delayH = u < 0.15 ? r.float(1.5, 6) : r.normal(0, 0.2);
  return { atMs: localMidnightMs(day) + (hour + delayH) * 3_600_000, residualPct: r.float(0, 4) };
}

export const binSensor: ProfileFactory<'bin_sensor'> = ({ registration, siteType, rng }) => {
  const vitals = createVitals(rng, registration, { drainPctPerDay: [0.02, 0.06] });
  const ratePerHour = (FILL_PCT_PER_HOUR[siteType] ?? 3) * rng.logNormal(0, 0.25);
  const shapeMean = dailyMean((h) => wasteShape(h, siteType));
  const schedule = (SCHEDULE[siteType] ?? (rng.chance(0.5) ? [8] : [7.5, 18])).map((h) => h + rng.float(-0.4, 0.4));
  const tilt = new Episode(rng.fork('tilt'), 1 / 90, 180);
  const lidLeftOpen = new Episode(rng.fork('lid'), 1 / 25, 40);
  const fire = new Episode(rng.fork('fire'), 1 / 1500, 40);
  const sunExposure = rng.float(0, 5); // °C a bin in the sun gains in the afternoon
  let fillPct = rng.float(5, 45);

  const dayFactor = (day: number): number => rng.fork(`day:${day}`).logNormal(0, 0.2);
  const fillRate = (tMs: number): number =>
    (ratePerHour * monthly(WASTE_SEASON, tMs) * dayFactor(localDay(tMs)) * wasteShape(localHour(tMs), siteType)) / shapeMean;

  const emptyingsIn = (startMs: number, endMs: number): Emptying[] => {
    const out: Emptying[] = [];
    for (let d = localDay(startMs) - 1; d <= localDay(endMs); d++) {
      schedule.forEach((hour, slot) => {
        const e = emptyingOn(rng, d, slot, hour);
        if (e && e.atMs > startMs && e.atMs <= endMs) out.push(e);
      });
    }
    return out.sort((a, b) => a.atMs - b.atMs);
  };

  /** Adds the waste that arrived over [fromMs, toMs] (≤ 15 min steps). */
  const addWaste = (fromMs: number, toMs: number): void => {
    const steps = Math.max(1, Math.ceil((toMs - fromMs) / 900_000));
    const dtH = (toMs - fromMs) / steps / 3_600_000;
    for (let i = 0; i < steps; i++) fillPct += fillRate(fromMs + (i + 0.5) * dtH * 3_600_000) * dtH;
    fillPct = Math.min(100, fillPct);
  };

  return {
    kind: 'bin_sensor',
    next(tsMs, periodS) {
      let cursor = tsMs - periodS * 1000;
      for (const e of emptyingsIn(cursor, tsMs)) {
        addWaste(cursor, e.atMs);
        fillPct = e.residualPct;
        cursor = e.atMs;
      }
      addWaste(cursor, tsMs);
      const distanceMm = Math.round(clamp(BIN_DEPTH_MM * (1 - fillPct / 100) + rng.normal(0, 4), 0, BIN_DEPTH_MM));
      const measuredFill = round(100 * (1 - distanceMm / BIN_DEPTH_MM), 1);
      const h = localHour(tsMs);
      const burning = fire.active(tsMs, periodS);
      const ambient = airTempC(tsMs) + sunExposure * bell(h, 14.5, 2.5) + rng.normal(0, 0.4);
      return {
        fillPct: measuredFill,
        distanceMm,
        tempC: round(burning ? rng.float(62, 90) : ambient, 1),
        tilted: tilt.active(tsMs, periodS),
        // An overfull bin cannot close; otherwise a lid is left open now and then.
        lidOpen: lidLeftOpen.active(tsMs, periodS) || fillPct >= 97,
        battery: vitals.battery(tsMs),
        rssi: vitals.rssi(),
      };
    },
  };
};
