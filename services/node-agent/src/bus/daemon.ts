import { join } from 'node:path';
import { connect, credsAuthenticator, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { DesiredPublishedData, FleetEvent, Labels, NatsCredentials, NetworkState, SyncReportedData } from '@fleetnet/contracts';
import { canonicalJson, compare, encodeEvent, EventTypes, inboxPrefix, makeEvent, parseEvent, subjects } from '@fleetnet/contracts';
import type { Agent } from '../agent.ts';
import type { Logger } from '../log.ts';
import type { ApplyResult } from '../reconcile/index.ts';
import { openStateDir } from '../state-dir.ts';
import { DEFAULT_RETRY, retryDelay, type RetryPolicy } from './backoff.ts';
import { busProbe } from './bus-probe.ts';
import { emptyQueue, finish, offer, take, type DesiredQueue } from './coalesce.ts';
import { fetchLastDesired, subscribeDesired, type DesiredResult } from './desired-source.ts';
import { agentVersion, gatherFacts } from './facts.ts';
import { Outbox } from './outbox.ts';

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

/**
 * `fleetnet-agent run`: the agent on the bus. Learns its desired state by direct get + a core
 * subscription to its own subject, applies only the newest version, reports every step through an
 * on-disk outbox (so that NATS being away loses nothing and duplicates are dropped by event id),
 * and watches for drift. The network work itself is the core's `apply`; this file only decides
 * what to apply when, and tells the fleet what happened.
 */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const { host, agent } = opts;
  const log = opts.log.child({ host });
  const source = `fleetnet-agent/${host}`;
  const stateDir = openStateDir(agent.stateDir);
  const outbox = new Outbox(join(agent.stateDir, OUTBOX_FILE));
  const retry = opts.retry ?? DEFAULT_RETRY;
  const startedAt = Date.now();

  let nc: NatsConnection | undefined;
  let js: JetStreamClient | undefined;
  let sub: Subscription | undefined;
  let connected = false;
  let stopping = false;

  let lastApplied = stateDir.readJson<{ desired: DesiredPublishedData }>(APPLIED_DESIRED_FILE)?.desired;
  let queue: DesiredQueue = emptyQueue(lastApplied?.version ?? 0);
  /** a run of a version not newer than `done`: a retry, an enforce re-apply, or the restore at start */
  let again: { desired: DesiredPublishedData; attempt: number; why: string } | undefined;
  let current: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let lastStateText: string | undefined;
  let driftKey: string | undefined;
  /** the state changed while an apply ran: compare again when it ends */
  let recheckAfterApply = false;

  // ---- reports ---------------------------------------------------------------------------------

  let flushing: Promise<void> | undefined;
  const publishJs = async (subject: string, event: FleetEvent) => {
    if (!js || !connected) throw new Error('not connected');
    await js.publish(subject, encodeEvent(event), { msgID: event.id, timeout: 5000 });
  };
  const kickFlush = () => {
    if (flushing || !connected || !outbox.size) return;
    flushing = (async () => {
      try {
        const n = await outbox.flush(publishJs);
        if (n) log.debug({ sent: n }, 'reports published');
      } catch (e) {
        log.warn({ err: (e as Error).message, queued: outbox.size }, 'reports kept for later: publish failed');
        await sleep(1000);
      }
    })().finally(() => {
      flushing = undefined;
      if (!stopping) kickFlush();
    });
  };
  /** Every JetStream report goes through the outbox: written to disk first, then published in order. */
  const report = (subject: string, event: FleetEvent) => {
    const check = parseEvent(encodeEvent(event));
    if (!check.ok) log.error({ subject, err: check.error.message }, 'this report does not match the contracts; the controller will refuse it');
    outbox.push(subject, event);
    kickFlush();
  };
  const reportSync = (data: SyncReportedData) => {
    log.info({ version: data.version, phase: data.phase, inSync: data.inSync, attempt: data.attempt, error: data.error }, `sync ${data.phase}`);
    report(subjects.sync(host), makeEvent(EventTypes.syncReported, source, subjects.sync(host), data));
  };
  const publishStateIfChanged = (state: NetworkState) => {
    const data = { host, state, ...(lastApplied ? { appliedVersion: lastApplied.version } : {}) };
    // the state seen during an apply is re-sent once the version it belongs to is known
    const text = canonicalJson(data);
    if (text === lastStateText) return;
    lastStateText = text;
    report(subjects.state(host), makeEvent(EventTypes.stateReported, source, subjects.state(host), data));
  };

  // ---- applying --------------------------------------------------------------------------------

  const probe = busProbe(() => (connected ? nc : undefined));

  async function applyVersion(d: DesiredPublishedData, attempt: number, why: string) {
    const l = log.child({ version: d.version });
    l.info({ attempt, why, enforce: d.enforce ?? false }, 'applying desired version');
    reportSync({ host, version: d.version, phase: 'Applying', attempt });
    let r: ApplyResult;
    try {
      r = await agent.apply(d.state, {
        probes: d.probes,
        extraProbes: d.probes?.bus === false ? [] : [probe],
        version: d.version,
      });
    } catch (e) {
      r = { phase: 'Failed', comparison: { inSync: false, results: [] }, operations: [], executed: 0, error: { message: (e as Error).message }, timings: {} };
    }
    const ok = r.phase === 'Applied' && r.comparison.inSync;
    reportSync({
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
    if (ok) {
      lastApplied = d;
      driftKey = undefined;
      stateDir.writeJson(APPLIED_DESIRED_FILE, { at: new Date().toISOString(), desired: d });
    } else {
      const delay = retryDelay(attempt + 1, retry);
      if (delay === undefined) l.error({ attempts: attempt }, 'giving up on this version until a newer one arrives');
      else {
        l.warn({ inMs: delay, attempt: attempt + 1 }, 'will retry');
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => {
          // a newer version supersedes the retry
          if (stopping || queue.pending || Math.max(queue.done, queue.applying ?? 0) > d.version) return;
          again = { desired: d, attempt: attempt + 1, why: 'retry' };
          pump();
        }, delay);
      }
    }
    try {
      publishStateIfChanged(await agent.read());
    } catch (e) {
      l.warn({ err: (e as Error).message }, 'cannot read the state after apply');
    }
  }

  function pump() {
    if (current || stopping) return;
    let next: { desired: DesiredPublishedData; attempt: number; why: string };
    const t = take(queue);
    if (t.next) {
      queue = t.queue;
      next = { desired: t.next, attempt: 1, why: 'new version' };
      again = undefined;
    } else if (again && queue.applying === undefined) {
      next = again;
      again = undefined;
      queue = { ...queue, applying: next.desired.version };
    } else return;
    current = applyVersion(next.desired, next.attempt, next.why)
      .catch((e) => log.error({ err: (e as Error).stack, version: next.desired.version }, 'apply loop failed'))
      .finally(() => {
        queue = finish(queue, next.desired.version);
        current = undefined;
        pump();
        if (recheckAfterApply && !stopping) {
          recheckAfterApply = false;
          agent.read().then(onStateChange, (e) => log.warn({ err: (e as Error).message }, 'cannot read the state after apply'));
        }
      });
  }

  function onDesired(r: DesiredResult | undefined, via: string) {
    if (!r) return;
    if (!r.ok) {
      log.warn({ via, reason: r.reason }, 'refused a desired state message');
      return;
    }
    const before = queue;
    queue = offer(queue, r.desired);
    if (queue === before) {
      log.debug({ via, version: r.desired.version, done: queue.done }, 'desired version ignored: not newer');
      return;
    }
    log.info({ via, version: r.desired.version }, 'desired version received');
    clearTimeout(retryTimer);
    pump();
  }

  /**
   * The subscription only rings the bell: a core subscriber can see a publish that JetStream then
   * fails to store (its leader died mid-publish), and the controller would store that version again
   * later as a new message. Applying what was never stored would make this host report on a version
   * the fleet's record does not have. So the version applied is always the one the stream holds,
   * read by direct get (a replica may lag a moment behind the publish: ask again briefly).
   */
  async function onDesiredSeen(r: DesiredResult) {
    if (!r.ok) return onDesired(r, 'subscription');
    if (r.desired.version <= Math.max(queue.done, queue.applying ?? 0, queue.pending?.version ?? 0)) return;
    for (const wait of [0, 100, 250, 500, 1000, 2000, 4000]) {
      await sleep(wait);
      if (stopping || !nc) return;
      const stored = await fetchLastDesired(nc, host).catch(() => undefined);
      if (stored?.ok && stored.desired.version >= r.desired.version) return onDesired(stored, 'subscription, read back from the stream');
    }
    log.warn({ version: r.desired.version }, 'desired version seen on the subscription is not in the stream; waiting for it to be stored');
  }

  // ---- drift -----------------------------------------------------------------------------------

  function onStateChange(state: NetworkState) {
    if (stopping) return;
    publishStateIfChanged(state);
    // Our own apply changes the state and reports its outcome itself. But a change made by hand
    // while an apply runs (or right after its last read) must not be lost: look again once it ends.
    if (current) {
      recheckAfterApply = true;
      return;
    }
    if (!lastApplied) return;
    const c = compare(lastApplied.state, state);
    const l = log.child({ version: lastApplied.version });
    if (c.inSync) {
      if (driftKey !== undefined) {
        driftKey = undefined;
        l.info('back in sync');
        reportSync({ host, version: lastApplied.version, phase: 'Applied', inSync: true, results: c.results });
      }
      return;
    }
    const key = canonicalJson(c.results.filter((x) => !x.inSync));
    if (key !== driftKey) {
      driftKey = key;
      reportSync({ host, version: lastApplied.version, phase: 'Drifted', inSync: false, results: c.results });
    }
    if (lastApplied.enforce && !again) {
      again = { desired: lastApplied, attempt: 1, why: 'enforce after drift' };
      pump();
    }
  }

  // ---- NATS ------------------------------------------------------------------------------------

  async function fetchDesired(why: string) {
    for (let i = 0; i < 20 && connected && !stopping && nc; i++) {
      try {
        onDesired(await fetchLastDesired(nc, host), `direct get (${why})`);
        return;
      } catch (e) {
        // right after a server restart JetStream may not answer yet
        log.warn({ err: (e as Error).message, why }, 'direct get of the desired state failed; retrying');
        await sleep(Math.min(5000, 250 * 2 ** i));
      }
    }
  }

  const heartbeat = () => {
    if (!connected || !nc) return;
    const data = { host, appliedVersion: lastApplied?.version ?? 0, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) };
    nc.publish(subjects.heartbeat(host), encodeEvent(makeEvent(EventTypes.heartbeat, source, subjects.heartbeat(host), data)));
  };

  async function connectForever(): Promise<void> {
    for (let attempt = 0; !stopping; attempt++) {
      try {
        const c = await connect({
          servers: opts.servers,
          ...(opts.creds?.kind === 'password' ? { user: opts.creds.user, pass: opts.creds.password } : {}),
          ...(opts.creds?.kind === 'jwt' ? { authenticator: credsAuthenticator(opts.creds.creds) } : {}),
          inboxPrefix: inboxPrefix(host),
          name: `fleetnet-agent-${host}`,
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          pingInterval: 5000,
          maxPingOut: 2,
          timeout: 3000,
        });
        if (stopping) {
          await c.close();
          return;
        }
        nc = c;
        js = jetstream(c);
        connected = true;
        log.info({ server: c.getServer() }, 'connected to NATS');
        void watchStatus(c);
        sub = subscribeDesired(c, host, (r) => void onDesiredSeen(r));
        kickFlush();
        heartbeat();
        await fetchDesired('start');
        return;
      } catch (e) {
        const wait = Math.min(5000, 250 * 2 ** Math.min(attempt, 5));
        log.warn({ err: (e as Error).message, servers: opts.servers, retryInMs: wait }, 'cannot connect to NATS; working locally');
        await sleep(wait);
      }
    }
  }

  async function watchStatus(c: NatsConnection) {
    for await (const s of c.status()) {
      if (s.type === 'disconnect') {
        connected = false;
        log.warn({ server: s.server }, 'NATS connection lost; queueing reports');
      } else if (s.type === 'reconnect') {
        connected = true;
        log.info({ server: s.server, queued: outbox.size }, 'NATS connection back');
        kickFlush();
        void fetchDesired('reconnect');
      }
    }
  }

  // ---- start -----------------------------------------------------------------------------------

  const recovered = await agent.recoverFromCrash();
  if (recovered) log.warn({ operations: recovered.operations.length, restored: recovered.rolledBack }, 'rolled back an apply that did not finish');

  const facts = await gatherFacts(agent, { sysfsRoot: opts.sysfsRoot ?? '/sys', log });
  report(subjects.hello(host), makeEvent(EventTypes.hello, source, subjects.hello(host), {
    host, agentVersion: agentVersion(), labels: opts.labels ?? {}, facts, appliedVersion: lastApplied?.version ?? 0,
  }));

  const initial = await agent.read();
  publishStateIfChanged(initial);
  if (lastApplied && !compare(lastApplied.state, initial).inSync) {
    // e.g. after a reboot: put back the last state that applied cleanly, with or without NATS
    log.warn({ version: lastApplied.version }, 'actual state differs from the last applied version; restoring it');
    again = { desired: lastApplied, attempt: 1, why: 'restore last-good at start' };
    pump();
  }

  const stopDrift = agent.watchDrift(onStateChange, { debounceMs: opts.driftDebounceMs ?? 100 });
  const hbTimer = setInterval(() => {
    heartbeat();
    kickFlush();
  }, opts.heartbeatMs ?? 10_000);
  const connecting = connectForever();

  return {
    get appliedVersion() {
      return lastApplied?.version ?? 0;
    },
    get connected() {
      return connected;
    },
    get queuedReports() {
      return outbox.size;
    },
    async stop() {
      if (stopping) return;
      log.info('stopping: draining');
      stopping = true;
      clearInterval(hbTimer);
      clearTimeout(retryTimer);
      stopDrift();
      await current;
      await Promise.race([connecting, sleep(3500)]);
      if (connected && outbox.size) {
        await Promise.race([flushing, sleep(3000)]);
        if (outbox.size && connected) await Promise.race([outbox.flush(publishJs).catch(() => 0), sleep(3000)]);
      }
      sub?.unsubscribe();
      if (nc) await Promise.race([nc.drain().catch(() => nc?.close()), sleep(5000)]);
      if (nc && !nc.isClosed()) await nc.close();
      log.info({ queued: outbox.size }, 'stopped');
    },
  };
}
