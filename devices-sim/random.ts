/**
 * A small seeded PRNG so that a fleet is reproducible: same seed, same readings, on any machine.
 * Generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, from PractRand), seeded through the
 * cyrb128 string hash. Not cryptographic; it only has to be fast, well mixed and portable.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** Uniform in [min, max). */
  float(min: number, max: number): number;
  /** Normal (Box–Muller). */
  normal(mean?: number, sd?: number): number;
  /** exp(normal(mu, sigma)): a positive multiplicative factor whose median is exp(mu). */
  logNormal(mu: number, sigma: number): number;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** Poisson count with mean lambda (Knuth below 30, PTRS above). */
  poisson(lambda: number): number;
  /** Binomial count of n trials with success probability p. */
  binomial(n: number, p: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /**
   * An independent generator named by `label`. It depends only on this generator's seed and the label, never on
   * how many numbers were drawn before, so `fork('site:x')` is the same stream wherever it is called from.
   */
  fork(label: string): Rng;
  /** The seed key this generator was built from (for fork and for debugging). */
  readonly key: string;
}

/** cyrb128 (bryc, public domain): a string to four 32-bit words, used as sfc32's initial state. */
function cyrb128(str: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** log(k!) for the PTRS Poisson sampler; exact below 10, Stirling series above. */
function logFactorial(k: number): number {
  if (k < 10) {
    let r = 0;
    for (let i = 2; i <= k; i++) r += Math.log(i);
    return r;
  }
  return (k + 0.5) * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * k) - 1 / (360 * k ** 3);
}

class Sfc32 implements Rng {
  readonly key: string;
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spareNormal: number | null = null;

  constructor(key: string) {
    this.key = key;
    [this.#a, this.#b, this.#c, this.#d] = cyrb128(key);
    // Discard the first outputs: sfc32's state is weakly mixed right after seeding.
    for (let i = 0; i < 12; i++) this.next();
  }

  next(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    const c2 = (c << 21) | (c >>> 11);
    this.#c = (c2 + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  float(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  normal(mean = 0, sd = 1): number {
    if (this.#spareNormal !== null) {
      const z = this.#spareNormal;
      this.#spareNormal = null;
      return mean + sd * z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  logNormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda < 30) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.next();
      while (p > limit) {
        k++;
        p *= this.next();
      }
      return k;
    }
    // PTRS: Hörmann, "The transformed rejection method for generating Poisson random variables" (1993).
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.next() - 0.5;
      const v = this.next();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      const lhs = Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b);
      if (lhs <= -lambda + k * loglam - logFactorial(k)) return k;
    }
  }

  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (n <= 64) {
      let k = 0;
      for (let i = 0; i < n; i++) if (this.next() < p) k++;
      return k;
    }
    const mean = n * p;
    // Large n: normal approximation (n·p·(1−p) is large here), clamped to the support.
    const k = Math.round(this.normal(mean, Math.sqrt(mean * (1 - p))));
    return Math.min(n, Math.max(0, k));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  fork(label: string): Rng {
    return new Sfc32(`${this.key}/${label}`);
  }
}

/** A generator seeded by a number or a string; equal seeds give equal sequences. */
export function createRng(seed: number | string): Rng {
  return new Sfc32(String(seed));
}

/** Splits `n` items among categories with the given weights (a multinomial draw). Returns integer counts summing to n. */
export function splitCount<K extends string>(rng: Rng, n: number, weights: Readonly<Record<K, number>>): Record<K, number> {
  const keys = Object.keys(weights) as K[];
  const out = {} as Record<K, number>;
  let remaining = n;
  let weightLeft = keys.reduce((s, k) => s + Math.max(0, weights[k]), 0);
  for (const [i, k] of keys.entries()) {
    const w = Math.max(0, weights[k]);
    const last = i === keys.length - 1;
    const take = last ? remaining : weightLeft > 0 ? rng.binomial(remaining, w / weightLeft) : 0;
    out[k] = take;
    remaining -= take;
    weightLeft -= w;
  }
  return out;
}
