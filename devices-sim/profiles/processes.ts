/**
 * Time-driven random processes the profiles share. Each is written so that the result does not depend on how
 * often a device reports: a rate integrated over the window, an episode with a rate per day, an
 * Ornstein–Uhlenbeck drift with the exact update for any step.
 */
import type { Rng } from '../random.ts';

const MAX_STEP_S = 900;
const MAX_STEPS = 672;

/** Expected events in (tsMs − periodS, tsMs] for a rate in events per second (midpoint rule, ≤ 15 min steps). */
export function expectedEvents(tsMs: number, periodS: number, ratePerS: (tMs: number) => number): number {
  const steps = Math.min(MAX_STEPS, Math.max(1, Math.ceil(periodS / MAX_STEP_S)));
  const dtS = periodS / steps;
  const startMs = tsMs - periodS * 1000;
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += ratePerS(startMs + (i + 0.5) * dtS * 1000) * dtS;
  return sum;
}

/** Mean of a 24-hour shape over the day (used to turn "per day" totals into per-hour rates). */
export function dailyMean(shape: (hour: number) => number): number {
  let sum = 0;
  for (let i = 0; i < 24 * 12; i++) sum += shape((i + 0.5) / 12);
  return sum / (24 * 12);
}

/**
 * A rare condition (a tilted bin, a chlorine dip, a fire) that starts as a Poisson event at `perDay` and lasts an
 * exponential time with mean `meanMinutes`. `active` is evaluated once per report.
 */
export class Episode {
  readonly #rng: Rng;
  readonly #perDay: number;
  readonly #meanMs: number;
  #untilMs = -Infinity;

  constructor(rng: Rng, perDay: number, meanMinutes: number) {
    this.#rng = rng;
    this.#perDay = perDay;
    this.#meanMs = meanMinutes * 60_000;
  }

  active(tsMs: number, periodS: number): boolean {
    if (tsMs >= this.#untilMs && this.#rng.chance(1 - Math.exp((-this.#perDay * periodS) / 86_400))) {
      const startMs = tsMs - this.#rng.next() * periodS * 1000;
      this.#untilMs = startMs + Math.max(60_000, this.#rng.exponential(this.#meanMs));
    }
    return tsMs < this.#untilMs;
  }
}

/**
 * Mean-reverting drift (Ornstein–Uhlenbeck): a slowly wandering value such as pH or conductivity. `sd` is the
 * stationary spread, `tauS` the time it takes to forget. The update is exact for any step, so the path looks the
 * same whether a probe reports every 5 s or every hour.
 */
export class Drift {
  readonly #rng: Rng;
  readonly #sd: number;
  readonly #tauS: number;
  #x: number;
  #lastMs: number | null = null;

  constructor(rng: Rng, mean: number, sd: number, tauS: number) {
    this.#rng = rng;
    this.#sd = sd;
    this.#tauS = tauS;
    this.#x = rng.normal(mean, sd);
  }

  /** The value at tsMs, reverting towards `mean` (which may itself move, e.g. with the season). */
  at(tsMs: number, mean: number): number {
    const dtS = this.#lastMs === null ? 0 : Math.max(0, (tsMs - this.#lastMs) / 1000);
    this.#lastMs = tsMs;
    if (dtS > 0) {
      const k = Math.exp(-dtS / this.#tauS);
      this.#x = mean + (this.#x - mean) * k + this.#sd * Math.sqrt(1 - k * k) * this.#rng.normal();
    }
    return this.#x;
  }
}

export const clamp = (x: number, min: number, max: number): number => Math.min(max, Math.max(min, x));
export const round = (x: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
};
