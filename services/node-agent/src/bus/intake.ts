import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../log.ts';
import { backoffDelay, RECONNECT_BACKOFF } from './backoff.ts';
import { fetchLastDesired, type DesiredResult } from './desired-source.ts';
import type { Scheduler } from './scheduler.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface IntakeOptions {
  host: string;
  log: Logger;
  scheduler: Scheduler;
  /** the connection while it is up and the daemon not stopping */
  connection(): NatsConnection | undefined;
}

export interface DesiredIntake {
  /** a desired message seen on the core subscription */
  seen(r: DesiredResult): Promise<void>;
  /** read the last desired message from the stream (at connect and reconnect) */
  fetch(why: string): Promise<void>;
}

/** How desired versions reach the scheduler: by direct get, or rung in by the subscription and read back. */
export function createDesiredIntake(opts: IntakeOptions): DesiredIntake {
  const { host, log, scheduler } = opts;

  function accept(r: DesiredResult | undefined, via: string) {
    if (!r) return;
    if (!r.ok) {
      log.warn({ via, reason: r.reason }, 'refused a desired state message');
      return;
    }
    if (r.desired.version <= scheduler.floor) {
      log.debug({ via, version: r.desired.version, floor: scheduler.floor }, 'desired version ignored: not newer');
      return;
    }
    log.info({ via, version: r.desired.version }, 'desired version received');
    scheduler.offer(r.desired);
  }

  return {
    /**
     * The subscription only rings the bell: a core subscriber can see a publish that JetStream then
     * fails to store (its leader died mid-publish), and the controller would store that version again
     * later as a new message. Applying what was never stored would make this host report on a version
     * the fleet's record does not have. So the version applied is always the one the stream holds,
     * read by direct get (a replica may lag a moment behind the publish: ask again briefly).
     */
    async seen(r) {
      if (!r.ok) return accept(r, 'subscription');
      if (r.desired.version <= scheduler.floor) return;
      for (const wait of [0, 100, 250, 500, 1000, 2000, 4000]) {
        await sleep(wait);
        const nc = opts.connection();
        if (!nc) return;
        const stored = await fetchLastDesired(nc, host).catch(() => undefined);
        if (stored?.ok && stored.desired.version >= r.desired.version) return accept(stored, 'subscription, read back from the stream');
      }
      log.warn({ version: r.desired.version }, 'desired version seen on the subscription is not in the stream; waiting for it to be stored');
    },
    async fetch(why) {
      for (let i = 0; i < 20; i++) {
        const nc = opts.connection();
        if (!nc) return;
        try {
          accept(await fetchLastDesired(nc, host), `direct get (${why})`);
          return;
        } catch (e) {
          // right after a server restart JetStream may not answer yet
          log.warn({ err: (e as Error).message, why }, 'direct get of the desired state failed; retrying');
          await sleep(backoffDelay(i, RECONNECT_BACKOFF));
        }
      }
    },
  };
}
