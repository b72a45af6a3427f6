/**
 * A camera sticky board that counts insects caught in the period (standards.md §3: 粘捕法 for cockroaches; fly
 * boards at breeding-site premises, §7). The target is fixed per device and read from its id (`-stf-` / `-stc-`).
 * Flies: by day, in warm months, heaviest at markets and transfer stations (outdoor breeding sites, §7).
 * Cockroaches: at night, indoors, mildly seasonal; Blattella germanica dominates kitchens, Periplaneta americana
 * is commoner where drains and basements connect (hospitals).
 */
import { bell, between, monthly } from '../climate.ts';
import { stickyTargetOf } from '../device-id.ts';
import { localHour } from '../local-time.ts';
import { splitCount } from '../random.ts';
import { dailyMean, expectedEvents } from './processes.ts';
import type { ProfileFactory, SiteType } from './types.ts';
import { createVitals } from './vitals.ts';

/** Fly activity by month (January first): flies breed all year in Guangzhou but slow down in the cool months. */
export const FLY_SEASON = [0.22, 0.26, 0.45, 0.7, 0.9, 1, 1, 1, 0.95, 0.8, 0.52, 0.3] as const;
/** Cockroaches live indoors; the season matters less. */
const COCKROACH_SEASON = [0.6, 0.6, 0.7, 0.85, 1, 1, 1, 1, 1, 0.9, 0.75, 0.65] as const;

/** Peak-season catch per board per day. */
const FLIES_PER_DAY: Partial<Record<SiteType, number>> = { transfer_station: 40, market: 28, public_toilet: 14, restaurant: 7 };
const COCKROACHES_PER_DAY: Partial<Record<SiteType, number>> = { restaurant: 10, market: 5, hospital: 4, school: 3 };

const flyShape = (h: number): number => 0.02 + bell(h, 13, 3.2);
const cockroachShape = (h: number): number => (between(h, 20, 5) ? 0.6 : 0.03) + bell(h, 23.5, 2);
const FLY_MEAN = dailyMean(flyShape);
const COCKROACH_MEAN = dailyMean(cockroachShape);

export const stickyTrap: ProfileFactory<'sticky_trap'> = ({ registration, siteType, rng, siteRng }) => {
  const vitals = createVitals(rng, registration, { drainPctPerDay: [0.08, 0.25] });
  const target = stickyTargetOf(registration.id);
  const fly = target === 'fly';
  const perDay =
    ((fly ? FLIES_PER_DAY[siteType] : COCKROACHES_PER_DAY[siteType]) ?? 3) *
    siteRng.fork(`sticky-${target}`).logNormal(0, 0.4) *
    rng.logNormal(0, 0.5);
  const season = fly ? FLY_SEASON : COCKROACH_SEASON;
  const shape = fly ? flyShape : cockroachShape;
  const mean = fly ? FLY_MEAN : COCKROACH_MEAN;
  const fishOrMeat = siteType === 'market' || siteType === 'transfer_station';
  const flyWeights = { musca: 0.55, chrysomya: fishOrMeat ? 0.33 : 0.2, other: fishOrMeat ? 0.12 : 0.25 };
  const roachWeights = { blattella: siteType === 'hospital' ? 0.65 : 0.86, periplaneta: siteType === 'hospital' ? 0.35 : 0.14 };

  return {
    kind: 'sticky_trap',
    next(tsMs, periodS) {
      const expected = expectedEvents(tsMs, periodS, (t) => (perDay * monthly(season, t) * shape(localHour(t))) / mean / 86_400);
      const count = rng.poisson(expected);
      return {
        periodS,
        target,
        count,
        bySpecies: fly ? splitCount(rng, count, flyWeights) : splitCount(rng, count, roachWeights),
        battery: vitals.battery(tsMs),
        rssi: vitals.rssi(),
      };
    },
  };
};
