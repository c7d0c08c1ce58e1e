/**
 * Retry schedule for a desired version that failed to apply: exponential with a cap and a bounded
 * number of attempts, so a broken version never spins in a tight loop.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseMs: 2000, maxMs: 60_000 };

/** Delay before attempt `attempt` (2, 3, ...), or undefined when no attempt is left. */
export function retryDelay(attempt: number, policy: RetryPolicy = DEFAULT_RETRY): number | undefined {
  if (attempt < 2 || attempt > policy.maxAttempts) return undefined;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 2));
}
