/**
 * A light/CO₂ mosquito trap with an optical counter (BG-Counter class, standards.md §8). Each species has its own
 * daily rhythm: Culex quinquefasciatus bites from dusk through the night with a dawn rebound, Aedes albopictus by
 * day with morning and late-afternoon peaks (the landing-count window ≈15:00–18:00, standards.md §3), Anopheles at
 * night and rare in the city. Guangzhou's season is low in Dec–Feb and peaks Jun–Sep (standards.md §3.3).
 * Counts are Poisson draws of the rate integrated over the report's window.
 */
import { airTempC, bell, between, humidityPct, monthly, sunTimes } from '../climate.ts';
import { localHour } from '../local-time.ts';
import { clamp, dailyMean, expectedEvents, round } from './processes.ts';
import type { ProfileFactory, SiteType } from './types.ts';
import { createVitals } from './vitals.ts';

/** Relative abundance by month (January first): low Dec–Feb, peak Jun–Sep. */
export const MOSQUITO_SEASON = [0.08, 0.1, 0.28, 0.55, 0.82, 1, 1, 1, 0.95, 0.68, 0.32, 0.12] as const;

/** Peak-season females per trap-night by site; light-trap densities in south-China cities run ~5–30 只/(灯·夜). */
const FEMALES_PER_NIGHT: Partial<Record<SiteType, number>> = {
  park: 24,
  residential: 14,
  public_toilet: 12,
  street: 7,
};
/** Aedes is a container breeder of gardens, estates and parks: its share of the catch is highest there. */
const AEDES_WEIGHT: Partial<Record<SiteType, number>> = { residential: 0.3, park: 0.32, public_toilet: 0.2, street: 0.12 };

/** Culex: a dusk peak, steady through the night, a smaller dawn peak, almost nothing at midday. */
function culexShape(hour: number, sunrise: number, sunset: number): number {
  const night = between(hour, sunset + 1, sunrise - 0.5) ? 0.22 : 0;
  return 0.02 + night + bell(hour, sunset + 0.6, 0.9) + 0.55 * bell(hour, sunrise - 0.3, 0.7);
}
/** Aedes albopictus: a day biter with peaks after sunrise and in the late afternoon. */
function aedesShape(hour: number, sunrise: number, sunset: number): number {
  return 0.05 + 0.7 * bell(hour, sunrise + 1.8, 1.4) + bell(hour, sunset - 1.8, 1.5);
}

const EQUINOX = { sunrise: 6.42, sunset: 18.58 };
const CULEX_MEAN = dailyMean((h) => culexShape(h, EQUINOX.sunrise, EQUINOX.sunset));
const AEDES_MEAN = dailyMean((h) => aedesShape(h, EQUINOX.sunrise, EQUINOX.sunset));

export const mosquitoTrap: ProfileFactory<'mosquito_trap'> = ({ registration, siteType, rng, siteRng }) => {
  const vitals = createVitals(rng, registration, { drainPctPerDay: [0.12, 0.35] });
  const abundance =
    (FEMALES_PER_NIGHT[siteType] ?? 6) * siteRng.fork('mosquito').logNormal(0, 0.35) * rng.logNormal(0, 0.45);
  const aedesWeight = AEDES_WEIGHT[siteType] ?? 0.1;
  const weights = { culex: 1 - aedesWeight - 0.05, aedes: aedesWeight, anopheles: 0.01, other: 0.04 };
  const sensorBiasC = rng.normal(0, 0.3);
  const maleRatio = rng.float(0.15, 0.35);

  /** Females per second for a species at time t. */
  const rate = (t: number, species: keyof typeof weights): number => {
    const h = localHour(t);
    const { sunrise, sunset } = sunTimes(t);
    const shape = species === 'aedes' ? aedesShape(h, sunrise, sunset) / AEDES_MEAN : culexShape(h, sunrise, sunset) / CULEX_MEAN;
    return (abundance * weights[species] * monthly(MOSQUITO_SEASON, t) * shape) / 86_400;
  };

  return {
    kind: 'mosquito_trap',
    next(tsMs, periodS) {
      const expected = {
        culex: expectedEvents(tsMs, periodS, (t) => rate(t, 'culex')),
        aedes: expectedEvents(tsMs, periodS, (t) => rate(t, 'aedes')),
        anopheles: expectedEvents(tsMs, periodS, (t) => rate(t, 'anopheles')),
        other: expectedEvents(tsMs, periodS, (t) => rate(t, 'other')),
      };
      // bySpecies splits the females, the count the standards use (只/(灯·夜) counts females, standards.md §3).
      const bySpecies = {
        culex: rng.poisson(expected.culex),
        aedes: rng.poisson(expected.aedes),
        anopheles: rng.poisson(expected.anopheles),
        other: rng.poisson(expected.other),
      };
      const females = bySpecies.culex + bySpecies.aedes + bySpecies.anopheles + bySpecies.other;
      const expectedFemales = expected.culex + expected.aedes + expected.anopheles + expected.other;
      return {
        periodS,
        females,
        males: rng.poisson(maleRatio * expectedFemales),
        bySpecies,
        tempC: round(airTempC(tsMs) + sensorBiasC + rng.normal(0, 0.3), 1),
        humidityPct: round(clamp(humidityPct(tsMs) + rng.normal(0, 2), 25, 100), 1),
        battery: vitals.battery(tsMs),
        rssi: vitals.rssi(),
      };
    },
  };
};
