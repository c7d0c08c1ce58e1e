import type { NetworkState } from '@fleetnet/contracts';
import type { Backend } from './backend.ts';
import { createBackends } from './backends.ts';
import { watchDrift } from './drift.ts';
import { createRunner, type Runner } from './exec.ts';
import { createCapabilities } from './linux/capabilities.ts';
import { acquireLock } from './lock.ts';
import type { Logger } from './log.ts';
import { createReconciler, type ApplyOptions, type ApplyResult } from './reconcile/index.ts';
import { LOCK_FILE, openStateDir } from './state-dir.ts';

export interface AgentOptions {
  /** checkpoint, created interfaces and last-good state live here */
  stateDir: string;
  ovsDb?: string;
  sysfsRoot?: string;
  resolvConf?: string;
  /** the static hostname file (nmstate's hostname.config); default /etc/hostname */
  hostnameFile?: string;
  log: Logger;
  /** run every command inside this network namespace (`ip netns exec NAME ...`) */
  netns?: string;
  /** replace the real backends (e.g. the in-memory simulator of the benchmarks) */
  backends?: Backend[];
  /** leave OVS out */
  ovs?: boolean;
  /** how long an apply waits for a DHCP lease, whatever the policy's probe timeout; default: that timeout when given, else 30 s */
  dhcpLeaseTimeoutMs?: number;
  /** crash tests only (FLEETNET_PAUSE_AFTER_OP, read at process start): stop for good after this many operations */
  pauseAfterOp?: number;
}

/**
 * The agent as a library, for the bus daemon and for tests: read, plan and apply one host's network.
 * Calls are serialized; an apply also holds a lock file in the state directory against other processes.
 */
export function createAgent(opts: AgentOptions) {
  const run: Runner = createRunner({ log: opts.log, netns: opts.netns });
  const stateDir = openStateDir(opts.stateDir);
  const backends = opts.backends ?? createBackends({
    run, log: opts.log, ovsDb: opts.ovsDb, sysfsRoot: opts.sysfsRoot, resolvConf: opts.resolvConf, hostnameFile: opts.hostnameFile, netns: opts.netns, ovs: opts.ovs,
    stateDir: stateDir.path, dhcpLeaseTimeoutMs: opts.dhcpLeaseTimeoutMs,
  });
  const reconciler = createReconciler({ backends, stateDir, log: opts.log, run, capabilities: createCapabilities(run), pauseAfterOp: opts.pauseAfterOp });

  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const locked = <T>(fn: () => Promise<T>) =>
    serial(async () => {
      const release = acquireLock(stateDir.file(LOCK_FILE));
      try {
        return await fn();
      } finally {
        release();
      }
    });

  return {
    stateDir: stateDir.path,
    run,
    backends,
    /** the actual state (every backend, merged) */
    read: async (): Promise<NetworkState> => (await reconciler.read()).state,
    /** the NICs with PCI identity (SR-IOV sysfs read), e.g. for the hello facts */
    readNics: () => reconciler.readNics(),
    /** the ordered operations that would take the host to `desired`, and the planning problems */
    plan: (desired: NetworkState) => serial(() => reconciler.plan(desired)),
    apply: (desired: NetworkState, o: ApplyOptions = {}): Promise<ApplyResult> => locked(() => reconciler.apply(desired, o)),
    /** roll back a checkpoint left by an apply that died; call once at start */
    recoverFromCrash: () => locked(() => reconciler.recoverFromCrash()),
    /** calls `cb` with the new actual state when it changes; returns stop() */
    watchDrift: (cb: (state: NetworkState) => void, o: { debounceMs?: number; intervalMs?: number } = {}) =>
      watchDrift(cb, { ...o, read: async () => (await reconciler.read()).state, log: opts.log, run }),
  };
}

export type Agent = ReturnType<typeof createAgent>;
