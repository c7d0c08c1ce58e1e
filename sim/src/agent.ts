/**
 * A lightweight agent for simulated fleets: many simulated hosts share one NATS connection, each on
 * the `sim` backend (backend.ts). It speaks the same bus protocol as the real daemon
 * (@fleetnet/node-agent's bus/daemon.ts):
 *
 *   hello (facts: the sim NICs) → state report → heartbeats (core NATS)
 *   desired state: direct get of the last message on its own subject + a core subscription to it
 *   only the newest version is applied (the daemon's own scheduler)
 *   sync `Applying` → `Applied` | `Failed` | `RolledBack` with per-property results from compare()
 *   state report when the actual state changed
 *
 * Every report is a CloudEvent from contracts' makeEvent/encodeEvent, published to JetStream with
 * its id as Nats-Msg-Id, in order per host. What it leaves out of the daemon: the disk outbox (a
 * failed publish is retried in memory), drift watching and enforce (nothing changes an in-memory
 * host behind its back), retries with backoff of a failed version, and probes (no network).
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import {
  canonicalJson, compare, encodeEvent, EventTypes, makeEvent, parseEvent, subjects,
  type DesiredPublishedData, type FleetEvent, type Labels, type NetworkState, type SyncReportedData,
} from '@fleetnet/contracts';
import {
  agentVersion, backoffDelay, createScheduler, ExecutionError, fetchLastDesired, nextCreated, planAll, RECONNECT_BACKOFF,
  silentLogger, subscribeDesired, type DesiredResult, type Scheduler,
} from '@fleetnet/node-agent';
import { createSimBackend, type SimBackend } from './backend.ts';

export interface SimAgentOptions {
  host: string;
  index: number;
  labels: Labels;
  nc: NatsConnection;
  js: JetStreamClient;
  /** simulated time one apply takes */
  executeDelayMs?: number;
  /** called after every sync report is stored (for the worker's counters) */
  onSync?: (host: string, data: SyncReportedData) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REPORT_BACKOFF = { baseMs: 200, maxMs: 5000 };
const VERSION = agentVersion();

export class SimAgent {
  readonly host: string;
  readonly backend: SimBackend;
  private readonly source: string;
  private readonly scheduler: Scheduler;
  private created = new Set<string>();
  private lastApplied?: DesiredPublishedData;
  private lastStateText?: string;
  private sub?: Subscription;
  private chain: Promise<void> = Promise.resolve();
  private readonly startedAt = Date.now();
  private stopping = false;
  published = 0;

  constructor(private readonly o: SimAgentOptions) {
    this.host = o.host;
    this.source = `fleetnet-agent/${o.host}`;
    this.backend = createSimBackend({ index: o.index, ...(o.executeDelayMs ? { executeDelayMs: o.executeDelayMs } : {}) });
    // one attempt per version: nothing changes an in-memory host behind its back, so a retry would fail alike
    this.scheduler = createScheduler({ log: silentLogger(), retry: { maxAttempts: 1, baseMs: 0, maxMs: 0 }, apply: ({ desired }) => this.applyVersion(desired) });
  }

  // ---- reports: one ordered chain per host, retried until stored -------------------------------

  private report(subject: string, event: FleetEvent): Promise<void> {
    const bytes = encodeEvent(event);
    this.chain = this.chain.then(async () => {
      for (let attempt = 0; !this.stopping || attempt === 0; attempt++) {
        try {
          await this.o.js.publish(subject, bytes, { msgID: event.id, timeout: 10_000 });
          this.published++;
          return;
        } catch (e) {
          if (this.stopping) return;
          // the same msgID makes a retry of an already stored event a no-op on the server
          await sleep(backoffDelay(attempt, REPORT_BACKOFF));
        }
      }
    });
    return this.chain;
  }

  private reportSync(data: SyncReportedData): Promise<void> {
    const subject = subjects.sync(this.host);
    return this.report(subject, makeEvent(EventTypes.syncReported, this.source, subject, data)).then(() => this.o.onSync?.(this.host, data));
  }

  private async reportStateIfChanged(): Promise<void> {
    const state = await this.backend.read();
    const data = { host: this.host, state, ...(this.lastApplied ? { appliedVersion: this.lastApplied.version } : {}) };
    const text = canonicalJson(data);
    if (text === this.lastStateText) return;
    this.lastStateText = text;
    const subject = subjects.state(this.host);
    await this.report(subject, makeEvent(EventTypes.stateReported, this.source, subject, data));
  }

  heartbeat(): void {
    if (this.stopping || this.o.nc.isClosed()) return;
    const subject = subjects.heartbeat(this.host);
    const data = { host: this.host, appliedVersion: this.lastApplied?.version ?? 0, uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000) };
    this.o.nc.publish(subject, encodeEvent(makeEvent(EventTypes.heartbeat, this.source, subject, data)));
  }

  // ---- start: hello, state, subscription, direct get -------------------------------------------

  async start(): Promise<void> {
    const subject = subjects.hello(this.host);
    const hello = makeEvent(EventTypes.hello, this.source, subject, {
      host: this.host, agentVersion: VERSION, labels: this.o.labels, appliedVersion: 0,
      facts: {
        nics: this.backend.nics(),
        kernel: { release: '6.1.0-sim', capabilities: { bond: true, vlan: true, dummy: true, macvlan: true, vxlan: true, ovs: true } },
        hostname: this.host,
      },
    });
    // the contracts are the judge: a report that would be refused is a bug in this file
    if (!parseEvent(encodeEvent(hello)).ok) throw new Error(`hello of ${this.host} does not match the contracts`);
    this.sub = subscribeDesired(this.o.nc, this.host, (r) => this.onDesired(r));
    void this.report(subject, hello);
    void this.reportStateIfChanged();
    this.heartbeat();
    await this.fetchDesired();
  }

  async fetchDesired(): Promise<void> {
    for (let i = 0; i < 20 && !this.stopping; i++) {
      try {
        this.onDesired(await fetchLastDesired(this.o.nc, this.host, 10_000));
        return;
      } catch {
        await sleep(backoffDelay(i, RECONNECT_BACKOFF));
      }
    }
  }

  // ---- applying ---------------------------------------------------------------------------------

  private onDesired(r: DesiredResult | undefined): void {
    if (!r || !r.ok || this.stopping) return;
    this.scheduler.offer(r.desired);
  }

  /** read → plan → execute → verify with compare(), rolled back in memory when execution fails; resolves whether it applied. */
  private async applyVersion(d: DesiredPublishedData): Promise<boolean> {
    const base = { host: this.host, version: d.version, attempt: 1 };
    void this.reportSync({ ...base, phase: 'Applying' });
    const t0 = performance.now();
    const before = await this.backend.read();
    const t1 = performance.now();
    const plan = planAll([this.backend], d.state, before, { created: this.created });
    const t2 = performance.now();
    const ops = plan.operations.map((o) => o.description);
    if (plan.errors.length) {
      const c = compare(d.state, before);
      void this.reportSync({
        ...base, phase: 'Failed', inSync: false, results: c.results, operations: [],
        error: { message: `cannot reach the desired state: ${plan.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}` },
        timings: { readMs: t1 - t0, planMs: t2 - t1, totalMs: performance.now() - t0 },
      });
      return false;
    }
    const snapshot = this.backend.host.snapshot();
    try {
      await this.backend.execute(plan.operations);
    } catch (e) {
      this.backend.host.restore(snapshot);
      const x = e as ExecutionError;
      void this.reportSync({
        ...base, phase: 'RolledBack', inSync: false, results: compare(d.state, await this.backend.read()).results, operations: ops,
        error: {
          message: x.message,
          ...(x instanceof ExecutionError ? { command: x.command.join(' '), stderr: x.stderr, ...(x.operation ? { operation: x.operation.description } : {}) } : {}),
        },
      });
      await this.reportStateIfChanged();
      return false;
    }
    const t3 = performance.now();
    const after = await this.backend.read();
    const c = compare(plan.desired, after);
    const t4 = performance.now();
    const timings = { readMs: t1 - t0, planMs: t2 - t1, applyMs: t3 - t2, verifyMs: t4 - t3, probeMs: 0, totalMs: t4 - t0 };
    if (!c.inSync) {
      this.backend.host.restore(snapshot);
      void this.reportSync({
        ...base, phase: 'RolledBack', inSync: false, results: c.results, operations: ops, timings,
        error: { message: `verify failed: ${c.results.filter((x) => !x.inSync).map((x) => x.path).join(', ')} not as desired` },
      });
    } else {
      this.created = new Set(nextCreated(this.created, before, after, plan.desired));
      this.lastApplied = d;
      void this.reportSync({ ...base, phase: 'Applied', inSync: true, results: c.results, operations: ops, timings });
    }
    await this.reportStateIfChanged();
    return c.inSync;
  }

  /** current state of this sim host against its last applied version (for the worker's self-check) */
  async inSyncWith(state: NetworkState): Promise<boolean> {
    return compare(state, await this.backend.read()).inSync;
  }

  get appliedVersion(): number {
    return this.lastApplied?.version ?? 0;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    void this.scheduler.stop();
    this.sub?.unsubscribe();
    await Promise.race([this.chain, sleep(2000)]);
  }
}
