/**
 * Capped exponential backoff with "equal jitter": half the capped delay is fixed, half random, so retries
 * never hammer a recovering server in lock-step yet never fire immediately
 * (Marc Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015).
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** Delay before retry number `attempt` (0-based). */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const capped = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return capped / 2 + (random() * capped) / 2;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
