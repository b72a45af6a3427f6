import { describe, expect, it } from 'vitest';
import { createRng, splitCount } from './random.ts';

const take = (n: number, f: () => number): number[] => Array.from({ length: n }, f);

describe('createRng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = take(100, () => a.next());
    expect(take(100, () => b.next())).toEqual(sa);
    expect(take(100, () => c.next())).not.toEqual(sa);
    expect(sa.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('forks by label, independent of draws made before and of sibling forks', () => {
    const fresh = createRng(7).fork('site:a');
    const used = createRng(7);
    take(1000, () => used.next());
    used.fork('site:b').next();
    const forked = used.fork('site:a');
    expect(take(50, () => forked.next())).toEqual(take(50, () => fresh.next()));
    const other = createRng(7).fork('site:b');
    expect(take(50, () => other.next())).not.toEqual(take(50, () => createRng(7).fork('site:a').next()));
  });

  it('keeps helpers inside their ranges', () => {
    const r = createRng('ranges');
    for (let i = 0; i < 2000; i++) {
      const n = r.int(3, 9);
      expect(Number.isInteger(n) && n >= 3 && n <= 9).toBe(true);
      const f = r.float(-2, 2);
      expect(f >= -2 && f < 2).toBe(true);
      expect(['a', 'b']).toContain(r.pick(['a', 'b']));
      const b = r.binomial(10, 0.3);
      expect(b >= 0 && b <= 10).toBe(true);
    }
  });

  it('draws Poisson counts with the right mean, small and large', () => {
    const r = createRng('poisson');
    for (const lambda of [0.3, 4, 80]) {
      const xs = take(20_000, () => r.poisson(lambda));
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
      expect(Math.abs(mean - lambda)).toBeLessThan(0.05 * lambda + 0.02);
    }
    expect(r.poisson(0)).toBe(0);
  });

  it('draws normals with the right mean and spread', () => {
    const r = createRng('normal');
    const xs = take(20_000, () => r.normal(5, 2));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(5, 1);
    expect(sd).toBeCloseTo(2, 1);
  });
});

describe('splitCount', () => {
  it('splits a count into integer parts that add up, in proportion to the weights', () => {
    const r = createRng('split');
    let musca = 0;
    for (let i = 0; i < 500; i++) {
      const parts = splitCount(r, 40, { musca: 0.5, chrysomya: 0.3, other: 0.2 });
      expect(parts.musca + parts.chrysomya + parts.other).toBe(40);
      musca += parts.musca;
    }
    expect(musca / (500 * 40)).toBeCloseTo(0.5, 1);
    expect(splitCount(r, 0, { a: 1, b: 1 })).toEqual({ a: 0, b: 0 });
  });
});
