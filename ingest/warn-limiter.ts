/**
 * "Warn at most once per key per interval": a rejected device usually repeats its fault on every reading, and
 * one line a minute says as much as a thousand (STYLE principle 9). Every rejection is still counted and
 * dead-lettered; only the log line is thinned. Bounded: keys older than the interval are pruned when the map
 * grows past `maxKeys`.
 */
export interface WarnLimiter {
  /** True when a line for this key may be logged now (and starts the key's quiet interval). */
  allow(key: string): boolean;
}

export function createWarnLimiter(opts: { intervalMs: number; clock: () => number; maxKeys?: number }): WarnLimiter {
  const maxKeys = opts.maxKeys ?? 10_000;
  const lastAt = new Map<string, number>();
  return {
    allow(key) {
      const now = opts.clock();
      const last = lastAt.get(key);
      if (last !== undefined && now - last < opts.intervalMs) return false;
      if (lastAt.size >= maxKeys) {
        for (const [k, at] of lastAt) if (now - at >= opts.intervalMs) lastAt.delete(k);
        if (lastAt.size >= maxKeys) lastAt.clear();
      }
      lastAt.set(key, now);
      return true;
    },
  };
}
