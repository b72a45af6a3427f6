/**
 * An online residual-chlorine / pH / turbidity analyser. GB 5749-2022 (standards.md §6): free chlorine ≥ 0.3 mg/L
 * leaving the works, ≥ 0.05 mg/L at the tap, ≤ 2 mg/L everywhere; pH 6.5–8.5; turbidity ≤ 1 NTU.
 * Chlorine decays along the network and in secondary-supply tanks, faster in warm water, so tap and pump-room
 * residuals sit well below the works'. Normal operation stays inside the limits; breaches come from rare episodes
 * (a dosing fault, a long tank residence, an overdose after tank disinfection, a turbidity spike after mains work).
 */
import { monthly } from '../climate.ts';
import { clamp, Drift, Episode, round } from './processes.ts';
import type { ProfileFactory } from './types.ts';
import { createVitals } from './vitals.ts';

/** GB 5749-2022 free-chlorine floors by sampling point, mg/L (standards.md §6). */
export const FLOOR_MG_L = { finished: 0.3, secondary: 0.05, tap: 0.05 } as const;
export const LIMIT_MG_L = 2;
/** Typical residual by sampling point at 15 °C, mg/L. */
const TYPICAL_MG_L = { finished: 0.75, secondary: 0.34, tap: 0.26 } as const;

/**
 * Pearl River (Xijiang/Beijiang) raw-water temperature by month, °C, January first. Approximate: it follows the
 * air (climate.ts) with a lag of a few weeks and a narrower range.
 */
const WATER_TEMP_C = [15.5, 15.8, 17.8, 21.2, 25, 27.6, 29, 29.4, 28.5, 26, 22.2, 17.8] as const;

const HOUR_S = 3600;

export const waterProbe: ProfileFactory<'water_probe'> = ({ registration, rng }) => {
  const point = registration.samplingPoint ?? 'tap';
  const vitals = createVitals(rng, registration, { drainPctPerDay: [0.005, 0.02] });
  const floor = FLOOR_MG_L[point];
  const typical = TYPICAL_MG_L[point] * rng.logNormal(0, 0.1);
  const chlorine = new Drift(rng.fork('cl'), 0, point === 'finished' ? 0.05 : 0.045, 4 * HOUR_S);
  const combined = new Drift(rng.fork('cl2'), 0.12, 0.03, 12 * HOUR_S);
  const ph = new Drift(rng.fork('ph'), 0, 0.12, 18 * HOUR_S);
  const phMean = rng.float(7.1, 7.6);
  const logTurbidity = new Drift(rng.fork('ntu'), 0, 0.3, 3 * HOUR_S);
  const turbidityMedian = point === 'finished' ? 0.12 : point === 'secondary' ? 0.28 : 0.22;
  const conductivity = new Drift(rng.fork('ec'), 0, 12, 24 * HOUR_S);
  const conductivityMean = rng.float(190, 270); // soft Pearl River water, µS/cm
  const tempNoise = new Drift(rng.fork('t'), 0, 0.3, 6 * HOUR_S);
  const tankWarmingC = point === 'finished' ? 0 : 0.6;

  const lowChlorine = new Episode(rng.fork('low'), 1 / 20, 50);
  const overdose = new Episode(rng.fork('high'), 1 / 75, 30);
  const turbiditySpike = new Episode(rng.fork('spike'), 1 / 10, 35);

  return {
    kind: 'water_probe',
    next(tsMs, periodS) {
      const tempC = monthly(WATER_TEMP_C, tsMs) + tankWarmingC + tempNoise.at(tsMs, 0);
      // Decay is faster in warm water: downstream residuals drop ~0.1 mg/L from winter to summer.
      const warmLoss = point === 'finished' ? 0 : 0.1 * clamp((tempC - 15) / 15, 0, 1);
      const normal = clamp(typical - warmLoss + chlorine.at(tsMs, 0), floor + 0.03, 1.6);
      const low = lowChlorine.active(tsMs, periodS);
      const high = overdose.active(tsMs, periodS);
      const free = low ? floor * rng.float(0.2, 0.85) : high ? rng.float(LIMIT_MG_L + 0.05, LIMIT_MG_L + 0.7) : normal;
      const spike = turbiditySpike.active(tsMs, periodS);
      const turbidity = spike
        ? rng.float(1.1, 3.5)
        : clamp(turbidityMedian * Math.exp(logTurbidity.at(tsMs, 0)), 0.02, 0.9);
      return {
        ph: round(clamp(phMean + ph.at(tsMs, 0), 6.8, 8.0), 2),
        turbidityNtu: round(turbidity, 2),
        freeChlorineMgL: round(free, 2),
        totalChlorineMgL: round(free + clamp(combined.at(tsMs, 0.12), 0.03, 0.3), 2),
        tempC: round(tempC, 1),
        conductivityUsCm: Math.round(clamp(conductivityMean + conductivity.at(tsMs, 0), 80, 600)),
        battery: vitals.battery(tsMs),
        rssi: vitals.rssi(),
      };
    },
  };
};
