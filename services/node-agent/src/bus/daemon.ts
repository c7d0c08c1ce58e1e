import { join } from 'node:path';
import type { Subscription } from '@nats-io/transport-node';
import type { DesiredPublishedData, Labels, NatsCredentials, NetworkState } from '@fleetnet/contracts';
import { compare, EventTypes, makeEvent, subjects } from '@fleetnet/contracts';
import type { Agent } from '../agent.ts';
import type { Logger } from '../log.ts';
import type { ApplyResult } from '../reconcile/index.ts';
import { openStateDir, readJsonOrSetAside, type StateDir } from '../state-dir.ts';
import type { RetryPolicy } from './backoff.ts';
import { busProbe } from './bus-probe.ts';
import { openConnection } from './connection.ts';
import { subscribeDesired } from './desired-source.ts';
import { createDriftTracker } from './drift.ts';
import { agentVersion, gatherFacts } from './facts.ts';
import { createDesiredIntake } from './intake.ts';
import { Outbox } from './outbox.ts';
import { openReportSeq } from './report-seq.ts';
import { createReporter, type Reporter } from './reporter.ts';
import { createScheduler, type ScheduledApply, type Scheduler } from './scheduler.ts';

/** The last desired version that applied cleanly, kept by the daemon so that a restart without NATS can restore it. */
export const APPLIED_DESIRED_FILE = 'bus-applied.json';
export const OUTBOX_FILE = 'outbox.jsonl';

export interface DaemonOptions {
  host: string;
  servers: string[];
  /** this host's own NATS user (deploy/gen-auth.ts) */
  creds?: NatsCredentials;
  labels?: Labels;
  agent: Agent;
  log: Logger;
  /** where SR-IOV facts are read (hello) */
  sysfsRoot?: string;
  heartbeatMs?: number;
  retry?: RetryPolicy;
  /** quiet time after a netlink event before the drift re-read */
  driftDebounceMs?: number;
}

export interface Daemon {
  /** newest version that applied cleanly (0: none) */
  readonly appliedVersion: number;
  readonly connected: boolean;
  /** reports waiting for NATS */
  readonly queuedReports: number;
  /** drains: lets a running apply finish, flushes what it can, closes the connection */
  stop(): Promise<void>;
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ApplyDeps {
  host: string;
  agent: Agent;
  log: Logger;
  reporter: Reporter;
  probe: ReturnType<typeof busProbe>;
}

/** One scheduled apply, reported from `Applying` to its outcome; resolves whether it is in sync. */
async function applyAndReport(deps: ApplyDeps, { desired: d, attempt, why }: ScheduledApply): Promise<boolean> {
  const { host, agent, reporter } = deps;
  const l = deps.log.child({ version: d.version });
  l.info({ attempt, why, enforce: d.enforce ?? false }, 'applying desired version');
  reporter.sync({ host, version: d.version, phase: 'Applying', attempt });
  let r: ApplyResult;
  try {
    r = await agent.apply(d.state, { probes: d.probes, extraProbes: d.probes?.bus === false ? [] : [deps.probe], version: d.version });
  } catch (e) {
    r = { phase: 'Failed', comparison: { inSync: false, results: [] }, operations: [], executed: 0, error: { message: (e as Error).message }, timings: {} };
  }
  const ok = r.phase === 'Applied' && r.comparison.inSync;
  reporter.sync({
    host,
    version: d.version,
    phase: r.phase,
    inSync: ok,
    results: r.comparison.results,
    timings: r.timings,
    attempt,
    operations: r.operations.map((o) => o.description),
    ...(r.error ? { error: r.error } : {}),
  });
  return ok;
}

/** The last version that applied cleanly, kept so that a restart without NATS can restore it. */
const appliedStore = (stateDir: StateDir) => ({
  read: (log: Logger) => readJsonOrSetAside<{ desired: DesiredPublishedData }>(stateDir, APPLIED_DESIRED_FILE, log)?.desired,
  write: (desired: DesiredPublishedData) => stateDir.writeJson(APPLIED_DESIRED_FILE, { at: new Date().toISOString(), desired }),
});

/**
 * Before the bus: roll back an apply that died half way, say hello, report the state, and put back
 * the last version that applied cleanly when the host is not in it (e.g. after a reboot).
 */
async function startUp(p: { opts: DaemonOptions; log: Logger; reporter: Reporter; scheduler: Scheduler; lastApplied?: DesiredPublishedData }) {
  const { opts, log, reporter, lastApplied } = p;
  const { host, agent } = opts;
  const recovered = await agent.recoverFromCrash();
  if (recovered?.checkpoint) log.warn({ operations: recovered.operations.length, restored: recovered.rolledBack }, 'rolled back an apply that did not finish');
  const facts = await gatherFacts(agent, { sysfsRoot: opts.sysfsRoot ?? '/sys', log });
  reporter.report(subjects.hello(host), makeEvent(EventTypes.hello, `fleetnet-agent/${host}`, subjects.hello(host), {
    host, agentVersion: agentVersion(), labels: opts.labels ?? {}, facts, appliedVersion: lastApplied?.version ?? 0,
  }));
  const initial = await agent.read();
  reporter.stateIfChanged(initial);
  if (recovered?.corrupt) {
    // The pre-change state is lost with the checkpoint: the host stays as it is, the version that was
    // being applied (when the torn file still names it) is reported Failed, and the next one applies.
    const version = recovered.corrupt.version ?? lastApplied?.version;
    if (version) reporter.sync({ host, version, phase: 'Failed', inSync: false, error: { message: recovered.error! } });
    return;
  }
  if (lastApplied && !compare(lastApplied.state, initial).inSync) {
    log.warn({ version: lastApplied.version }, 'actual state differs from the last applied version; restoring it');
    p.scheduler.again({ desired: lastApplied, attempt: 1, why: 'restore last-good at start' });
  }
}

/**
 * `fleetnet-agent run`: the agent on the bus. Learns its desired state by direct get + a core
 * subscription to its own subject (intake.ts), applies only the newest version and retries a failed
 * one (scheduler.ts), reports every step through an on-disk outbox (reporter.ts), and watches for
 * drift (drift.ts). The network work itself is the core's `apply`; this file wires them together.
 */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const { host, agent } = opts;
  const log = opts.log.child({ host });
  const stateDir = openStateDir(agent.stateDir);
  const applied = appliedStore(stateDir);
  const reportSeq = openReportSeq(stateDir, log);
  let lastApplied = applied.read(log);
  let stopping = false;
  let sub: Subscription | undefined;

  const conn = openConnection({
    host, servers: opts.servers, creds: opts.creds, log,
    stopping: () => stopping,
    async onConnect(nc) {
      sub = subscribeDesired(nc, host, (r) => void intake.seen(r));
      reporter.kick();
      reporter.heartbeat();
      await intake.fetch('start');
    },
    onReconnect() {
      reporter.kick();
      void intake.fetch('reconnect');
    },
  });
  const reporter = createReporter({
    host, log, outbox: new Outbox(join(agent.stateDir, OUTBOX_FILE)),
    jetstream: () => conn.js,
    connection: () => conn.nc,
    appliedVersion: () => lastApplied?.version,
    seq: reportSeq.next,
  });
  const applyDeps: ApplyDeps = { host, agent, log, reporter, probe: busProbe(() => conn.nc) };
  const scheduler = createScheduler({
    log,
    done: lastApplied?.version ?? 0,
    retry: opts.retry,
    async apply(run) {
      const ok = await applyAndReport(applyDeps, run);
      if (ok) {
        lastApplied = run.desired;
        drift.reset();
        try {
          applied.write(run.desired);
        } catch (e) {
          log.error({ err: (e as Error).message }, 'cannot keep the applied version on disk');
        }
      }
      try {
        reporter.stateIfChanged(await agent.read());
      } catch (e) {
        log.warn({ err: (e as Error).message, version: run.desired.version }, 'cannot read the state after apply');
      }
      return ok;
    },
    afterApply: () => drift.afterApply(agent.read),
  });
  const intake = createDesiredIntake({ host, log, scheduler, connection: () => (stopping ? undefined : conn.nc) });
  const drift = createDriftTracker({ host, log, reporter, scheduler, lastApplied: () => lastApplied });

  await startUp({ opts, log, reporter, scheduler, lastApplied });
  const stopDrift = agent.watchDrift((state: NetworkState) => stopping || drift.onState(state), { debounceMs: opts.driftDebounceMs ?? 100 });
  const hbTimer = setInterval(() => {
    reporter.heartbeat();
    reporter.kick();
  }, opts.heartbeatMs ?? 10_000);
  const connecting = conn.start();

  return {
    get appliedVersion() {
      return lastApplied?.version ?? 0;
    },
    get connected() {
      return conn.connected;
    },
    get queuedReports() {
      return reporter.queued;
    },
    async stop() {
      if (stopping) return;
      log.info('stopping: draining');
      stopping = true;
      clearInterval(hbTimer);
      stopDrift();
      await scheduler.stop();
      await Promise.race([connecting, sleep(3500)]);
      await reporter.drain();
      sub?.unsubscribe();
      await conn.close();
      log.info({ queued: reporter.queued }, 'stopped');
    },
  };
}
