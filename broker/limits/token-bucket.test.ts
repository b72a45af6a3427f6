import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  it('allows a burst, then exactly the rate', () => {
    const b = new TokenBucket({ ratePerS: 10, burst: 3 }, 0);
    expect([b.tryTake(0), b.tryTake(0), b.tryTake(0), b.tryTake(0)]).toEqual([true, true, true, false]);
    expect(b.tryTake(99)).toBe(false); // 0.99 of a token
    expect(b.tryTake(100)).toBe(true);
    expect(b.tryTake(100)).toBe(false);
  });

  it('never saves more than the burst', () => {
    const b = new TokenBucket({ ratePerS: 10, burst: 2 }, 0);
    expect(b.available(3_600_000)).toBe(2);
  });

  it('reserve books tokens in debt and reports the wait for each', () => {
    const b = new TokenBucket({ ratePerS: 10, burst: 2 }, 0);
    expect([b.reserve(0), b.reserve(0), b.reserve(0), b.reserve(0)]).toEqual([0, 0, 100, 200]);
    // After 200 ms the debt is paid; the next booking waits one interval again.
    expect(b.reserve(200)).toBe(100);
    expect(b.available(1_000)).toBe(2);
  });

  it('waitFor tells the wait without booking; reserve books a cost of several tokens', () => {
    const b = new TokenBucket({ ratePerS: 1000, burst: 4096 }, 0); // a byte budget: 1,000 bytes/s, 4,096 at once
    expect(b.waitFor(0, 5000)).toBe(904);
    expect(b.waitFor(0, 5000)).toBe(904); // nothing was booked
    expect(b.reserve(0, 3000)).toBe(0);
    expect(b.reserve(0, 2000)).toBe(904);
    expect(b.full(0)).toBe(false);
    expect(b.full(904 + 4096)).toBe(true);
  });

  it('a clock that goes backwards neither mints nor destroys tokens', () => {
    const b = new TokenBucket({ ratePerS: 1, burst: 1 }, 1_000);
    expect(b.tryTake(1_000)).toBe(true);
    expect(b.tryTake(0)).toBe(false);
    expect(b.tryTake(1_999)).toBe(false);
    expect(b.tryTake(2_000)).toBe(true);
  });

  it('refuses nonsense options', () => {
    expect(() => new TokenBucket({ ratePerS: 0, burst: 1 }, 0)).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerS: 1, burst: 0 }, 0)).toThrow(RangeError);
  });
});
