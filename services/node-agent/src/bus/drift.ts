import type { DesiredPublishedData, NetworkState } from '@fleetnet/contracts';
import { canonicalJson, compare } from '@fleetnet/contracts';
import type { Logger } from '../log.ts';
import type { Reporter } from './reporter.ts';
import type { Scheduler } from './scheduler.ts';

export interface DriftOptions {
  host: string;
  log: Logger;
  reporter: Reporter;
  scheduler: Scheduler;
  /** the last version that applied cleanly */
  lastApplied(): DesiredPublishedData | undefined;
}

export interface DriftTracker {
  /** the actual state changed (netlink, the periodic read, or after an apply) */
  onState(state: NetworkState): void;
  /** an apply just brought the host in sync: a new drift is reported anew */
  reset(): void;
  /** call when an apply ended: a change seen while it ran is compared again */
  afterApply(read: () => Promise<NetworkState>): void;
}

/**
 * Drift against the last version that applied cleanly: reported once per distinct difference
 * (`Drifted`), and when it is gone (`Applied` again); with `enforce` the version is applied again.
 */
export function createDriftTracker(opts: DriftOptions): DriftTracker {
  const { host, log, reporter, scheduler } = opts;
  let driftKey: string | undefined;
  /** the state changed while an apply ran: compare again when it ends */
  let recheckAfterApply = false;

  function onState(state: NetworkState) {
    reporter.stateIfChanged(state);
    // Our own apply changes the state and reports its outcome itself. But a change made by hand
    // while an apply runs (or right after its last read) must not be lost: look again once it ends.
    if (scheduler.busy) {
      recheckAfterApply = true;
      return;
    }
    const applied = opts.lastApplied();
    if (!applied) return;
    const c = compare(applied.state, state);
    const l = log.child({ version: applied.version });
    if (c.inSync) {
      if (driftKey !== undefined) {
        driftKey = undefined;
        l.info('back in sync');
        reporter.sync({ host, version: applied.version, phase: 'Applied', inSync: true, results: c.results });
      }
      return;
    }
    const key = canonicalJson(c.results.filter((x) => !x.inSync));
    if (key !== driftKey) {
      driftKey = key;
      reporter.sync({ host, version: applied.version, phase: 'Drifted', inSync: false, results: c.results });
    }
    if (applied.enforce) scheduler.again({ desired: applied, attempt: 1, why: 'enforce after drift' });
  }

  return {
    onState,
    reset: () => (driftKey = undefined),
    afterApply(read) {
      if (!recheckAfterApply) return;
      recheckAfterApply = false;
      read().then(onState, (e) => log.warn({ err: (e as Error).message }, 'cannot read the state after apply'));
    },
  };
}
