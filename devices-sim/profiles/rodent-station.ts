/**
 * A monitored bait station (毒饵站) with an entry sensor and a trap, like the connected stations in standards.md §8
 * (Victor Smart-Kill, PestConnect): it counts visits and captures and estimates the bait left.
 * Infestation is a property of the site, not the device: the site's level is drawn from the seed once (most sites
 * clean or light, a few heavy) and shared by all its stations. Rats forage at night, most in the hours after dusk.
 * The contractor services the site weekly: the lid is open for a few minutes and the bait is refilled.
 */
import { bell, between, sunTimes } from '../climate.ts';
import { localDay, localDayOfWeek, localHour, localMidnightMs } from '../local-time.ts';
import { clamp, dailyMean, Episode, expectedEvents, round } from './processes.ts';
import type { ProfileFactory, SiteType } from './types.ts';
import { createVitals } from './vitals.ts';

/** Food waste and harbourage make markets, transfer stations and restaurants the rodent hot spots. */
const SITE_PRESSURE: Partial<Record<SiteType, number>> = {
  market: 1.6,
  transfer_station: 1.8,
  restaurant: 1.4,
  residential: 0.8,
  hospital: 0.6,
};

/** Visits per station-night for a site: clean (~45 %), some activity (~40 %), heavy (~15 %). */
export function siteInfestation(u: number): { level: 'clean' | 'light' | 'heavy'; visitsPerNight: number } {
  if (u < 0.45) return { level: 'clean', visitsPerNight: 0.05 };
  if (u < 0.85) return { level: 'light', visitsPerNight: 0.8 };
  return { level: 'heavy', visitsPerNight: 4.5 };
}

/** Rats: active from dusk to dawn, busiest 1–3 h after sunset, a little before dawn. */
function rodentShape(hour: number, sunrise: number, sunset: number): number {
  const night = between(hour, sunset, sunrise) ? 0.45 : 0.02;
  return night + bell(hour, sunset + 2, 1.3) + 0.35 * bell(hour, sunrise - 1, 0.8);
}
const SHAPE_MEAN = dailyMean((h) => rodentShape(h, 6.42, 18.58));

const CATCH_PROBABILITY = 0.04;
const SERVICE_LID_OPEN_MS = 12 * 60_000;

export const rodentStation: ProfileFactory<'rodent_station'> = ({ registration, siteType, rng, siteRng, activity }) => {
  const vitals = createVitals(rng, registration, { drainPctPerDay: [0.02, 0.08] });
  const siteR = siteRng.fork('rodent');
  const infestation = siteInfestation(siteR.next());
  const visitsPerNight =
    infestation.visitsPerNight *
    siteR.logNormal(0, 0.3) *
    (SITE_PRESSURE[siteType] ?? 1) *
    (registration.placement === 'outdoor' ? 1.3 : 1) *
    rng.logNormal(0, 0.6);
  // The contractor's weekly round: same weekday and start time for the whole site, a few minutes per station.
  const serviceDow = siteR.int(1, 6);
  const serviceHour = siteR.float(8.5, 11) + rng.float(0, 0.7);
  const biteSize = rng.float(0.8, 2.2); // % of the bait eaten per visit
  const weatheringPerDay = registration.placement === 'outdoor' ? 0.6 : 0.2; // mould and moisture in humid Guangzhou
  const tamper = new Episode(rng.fork('lid'), 1 / 45, 20);
  let baitPct = rng.float(45, 100);

  const serviceIn = (startMs: number, endMs: number): number | null => {
    for (let d = localDay(startMs); d <= localDay(endMs); d++) {
      const at = localMidnightMs(d) + serviceHour * 3_600_000;
      if (localDayOfWeek(at) === serviceDow && at > startMs && at <= endMs) return at;
    }
    return null;
  };
  const lastServiceBefore = (tsMs: number): number => {
    for (let d = localDay(tsMs); ; d--) {
      const at = localMidnightMs(d) + serviceHour * 3_600_000;
      if (localDayOfWeek(at) === serviceDow && at <= tsMs) return at;
    }
  };

  return {
    kind: 'rodent_station',
    next(tsMs, periodS) {
      const factor = activity?.() ?? 1;
      const expected = expectedEvents(tsMs, periodS, (t) => {
        const { sunrise, sunset } = sunTimes(t);
        return (factor * visitsPerNight * rodentShape(localHour(t), sunrise, sunset)) / SHAPE_MEAN / 86_400;
      });
      // The entry sensor registers at most one detection per second of the period.
      const visits = Math.min(rng.poisson(expected), periodS);
      const caught = rng.binomial(visits, CATCH_PROBABILITY);
      baitPct -= visits * biteSize * rng.float(0.6, 1.4) + (weatheringPerDay * periodS) / 86_400;
      if (serviceIn(tsMs - periodS * 1000, tsMs) !== null) baitPct = 100;
      baitPct = clamp(baitPct, 0, 100);
      const servicing = tsMs - lastServiceBefore(tsMs) < SERVICE_LID_OPEN_MS;
      const tampered = tamper.active(tsMs, periodS);
      return {
        periodS,
        visits,
        caught,
        baitPct: round(baitPct, 1),
        lidOpen: servicing || tampered,
        battery: vitals.battery(tsMs),
        rssi: vitals.rssi(),
      };
    },
  };
};
