/**
 * A token bucket on an injected clock: `ratePerS` tokens per second, at most `burst` saved up. Pure state; no
 * timers. `reserve` is the lossless form used by the publish limit: instead of refusing, it books the next
 * free token and says how long the caller must wait for it.
 */
export interface TokenBucketOptions {
  ratePerS: number;
  burst: number;
}

export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #burst: number;
  #tokens: number;
  #lastMs: number;

  constructor(opts: TokenBucketOptions, nowMs: number) {
    if (!(opts.ratePerS > 0) || !(opts.burst >= 1)) {
      throw new RangeError(`token bucket needs ratePerS > 0 and burst >= 1, got ${opts.ratePerS}/${opts.burst}`);
    }
    this.#ratePerMs = opts.ratePerS / 1000;
    this.#burst = opts.burst;
    this.#tokens = opts.burst;
    this.#lastMs = nowMs;
  }

  #refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.#lastMs);
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#ratePerMs);
    this.#lastMs = Math.max(this.#lastMs, nowMs);
  }

  /** Takes one token if there is one; false (and nothing taken) otherwise. */
  tryTake(nowMs: number): boolean {
    this.#refill(nowMs);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /**
   * Books `cost` tokens (default one), going into debt if they are not there, and returns the milliseconds until
   * the booked tokens exist (0 when they were available). Successive calls queue behind each other at exactly the
   * rate.
   */
  reserve(nowMs: number, cost = 1): number {
    const wait = this.waitFor(nowMs, cost);
    this.#tokens -= cost;
    return wait;
  }

  /** The milliseconds `reserve(nowMs, cost)` would return, booking nothing. */
  waitFor(nowMs: number, cost = 1): number {
    this.#refill(nowMs);
    const left = this.#tokens - cost;
    return left >= 0 ? 0 : Math.ceil(-left / this.#ratePerMs);
  }

  /** The bucket holds its whole burst: it remembers nothing a fresh bucket would not. */
  full(nowMs: number): boolean {
    this.#refill(nowMs);
    return this.#tokens >= this.#burst;
  }

  /** Whole tokens available now (never negative), for tests and metrics. */
  available(nowMs: number): number {
    this.#refill(nowMs);
    return Math.max(0, Math.floor(this.#tokens));
  }
}
