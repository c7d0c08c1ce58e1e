import type { DesiredPublishedData } from '@fleetnet/contracts';

/**
 * Which desired version to apply next. While one version applies, newer ones may arrive (5, 6, 7):
 * only the newest matters, because each carries the full state. Anything not newer than what the
 * agent already applied or is applying is ignored (a replay, or a late duplicate).
 */
export interface DesiredQueue {
  /** newest version seen and not yet started */
  pending?: DesiredPublishedData;
  /** version being applied right now */
  applying?: number;
  /** newest version whose apply finished (in sync or not) */
  done: number;
}

export const emptyQueue = (done = 0): DesiredQueue => ({ done });

export function offer(q: DesiredQueue, d: DesiredPublishedData): DesiredQueue {
  const floor = Math.max(q.done, q.applying ?? 0, q.pending?.version ?? 0);
  if (d.version <= floor) return q;
  return { ...q, pending: d };
}

/** Takes the pending version to apply, if any and nothing is applying. */
export function take(q: DesiredQueue): { queue: DesiredQueue; next?: DesiredPublishedData } {
  if (q.applying !== undefined || !q.pending) return { queue: q };
  return { queue: { done: q.done, applying: q.pending.version }, next: q.pending };
}

export function finish(q: DesiredQueue, version: number): DesiredQueue {
  return { ...q, applying: undefined, done: Math.max(q.done, version) };
}
