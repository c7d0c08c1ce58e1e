import type { DesiredPublishedData } from '@fleetnet/contracts';
import type { Logger } from '../log.ts';
import { DEFAULT_RETRY, retryDelay, type RetryPolicy } from './backoff.ts';
import { emptyQueue, finish, offer, take, type DesiredQueue } from './coalesce.ts';

/** One apply the scheduler starts: `attempt` counts the runs of this version (1 for the first). */
export interface ScheduledApply {
  desired: DesiredPublishedData;
  attempt: number;
  why: string;
}

export interface SchedulerOptions {
  /** applies one version; resolves whether it reached the desired state */
  apply(run: ScheduledApply): Promise<boolean>;
  log: Logger;
  /** newest version already applied (from the state directory) */
  done?: number;
  retry?: RetryPolicy;
  /** after every apply, when the scheduler is idle again */
  afterApply?(): void;
}

export interface Scheduler {
  /** a version from the bus: applied if newer than anything seen; returns whether it was */
  offer(desired: DesiredPublishedData): boolean;
  /** run a version again that is not newer (enforce after drift, restore at start); false when one is already waiting */
  again(run: ScheduledApply): boolean;
  /** an apply is running */
  readonly busy: boolean;
  /** newest version done, applying or waiting: a version not above it is nothing new */
  readonly floor: number;
  /** no new apply starts; resolves when the running one ended */
  stop(): Promise<void>;
}

/**
 * When to apply what: one apply at a time, only the newest version (the coalescing queue), a failed
 * version retried on the backoff schedule until a newer one supersedes it.
 */
export function createScheduler(opts: SchedulerOptions): Scheduler {
  const retry = opts.retry ?? DEFAULT_RETRY;
  let queue: DesiredQueue = emptyQueue(opts.done ?? 0);
  /** a run of a version not newer than `done`: a retry, an enforce re-apply, or the restore at start */
  let pendingAgain: ScheduledApply | undefined;
  let current: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  function scheduleRetry(failed: ScheduledApply) {
    const { desired: d, attempt } = failed;
    const l = opts.log.child({ version: d.version });
    const delay = retryDelay(attempt + 1, retry);
    if (delay === undefined) {
      l.error({ attempts: attempt }, 'giving up on this version until a newer one arrives');
      return;
    }
    l.warn({ inMs: delay, attempt: attempt + 1 }, 'will retry');
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      // a newer version supersedes the retry
      if (stopping || queue.pending || Math.max(queue.done, queue.applying ?? 0) > d.version) return;
      pendingAgain = { desired: d, attempt: attempt + 1, why: 'retry' };
      pump();
    }, delay);
  }

  function pump() {
    if (current || stopping) return;
    let next: ScheduledApply;
    const t = take(queue);
    if (t.next) {
      queue = t.queue;
      next = { desired: t.next, attempt: 1, why: 'new version' };
      pendingAgain = undefined;
    } else if (pendingAgain && queue.applying === undefined) {
      next = pendingAgain;
      pendingAgain = undefined;
      queue = { ...queue, applying: next.desired.version };
    } else return;
    current = opts.apply(next)
      .then((ok) => {
        if (!ok) scheduleRetry(next);
      })
      .catch((e) => opts.log.error({ err: (e as Error).stack, version: next.desired.version }, 'apply loop failed'))
      .finally(() => {
        queue = finish(queue, next.desired.version);
        current = undefined;
        pump();
        if (!stopping) opts.afterApply?.();
      });
  }

  return {
    offer(desired) {
      const before = queue;
      queue = offer(queue, desired);
      if (queue === before) return false;
      clearTimeout(retryTimer);
      pump();
      return true;
    },
    again(run) {
      if (pendingAgain) return false;
      pendingAgain = run;
      pump();
      return true;
    },
    get busy() {
      return current !== undefined;
    },
    get floor() {
      return Math.max(queue.done, queue.applying ?? 0, queue.pending?.version ?? 0);
    },
    async stop() {
      stopping = true;
      clearTimeout(retryTimer);
      await current;
    },
  };
}
