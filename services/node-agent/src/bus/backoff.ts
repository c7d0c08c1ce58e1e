/** Exponential backoff, the one schedule for everything the agent tries again (connect, read, retry). */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** Delay after `failures` consecutive failures (0, 1, ...): base·2^failures, capped. */
export const backoffDelay = (failures: number, b: Backoff): number => Math.min(b.maxMs, b.baseMs * 2 ** failures);

/** Reconnecting to NATS and asking JetStream again right after a server restart. */
export const RECONNECT_BACKOFF: Backoff = { baseMs: 250, maxMs: 5000 };

/**
 * Retry schedule for a desired version that failed to apply: exponential with a cap and a bounded
 * number of attempts, so a broken version never spins in a tight loop.
 */
export interface RetryPolicy extends Backoff {
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseMs: 2000, maxMs: 60_000 };

/** Delay before attempt `attempt` (2, 3, ...), or undefined when no attempt is left. */
export function retryDelay(attempt: number, policy: RetryPolicy = DEFAULT_RETRY): number | undefined {
  if (attempt < 2 || attempt > policy.maxAttempts) return undefined;
  return backoffDelay(attempt - 2, policy);
}
