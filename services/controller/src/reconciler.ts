import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  encodeEvent, EventTypes, makeEvent, parseEvent, Streams, subjects, type FleetEvent,
} from '@fleetnet/contracts';
import type { Bus } from './bus.ts';
import { CompileMemo } from './compile.ts';
import { BUS, CONFIG, LOG, type ControllerOptions } from './config.ts';
import { ProjectionService } from './projection/service.ts';
import { isRetired, type HostBase, type Projection } from './projection/state.ts';
import { publishDesired, UnreadableHead, type DesiredContent, type DesiredHead } from './publish.ts';
import { gatedPolicies } from './rollout/gate.ts';
import { overdueHosts, planAdmissions } from './rollout/plan.ts';
import { rolloutSettings } from './projection/rollout-settings.ts';
import { renderContext } from './projection/render-context.ts';
import { PoolKeeper } from './pool-keeper.ts';

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;

/**
 * Where the next version goes on top of: the newest version folded, or, when a record that is not
 * a desired event was stored after it, that record (its hash matches nothing, so the host's
 * content is published again over it, as version N+1).
 */
function headOf(host: HostBase): DesiredHead | undefined {
  const last = host.desired[host.desired.length - 1];
  const bad = host.unreadableDesired;
  if (bad && bad.seq > (last?.seq ?? 0)) return { version: last?.version ?? 0, seq: bad.seq, contentHash: '', sources: [] };
  return last && { version: last.version, seq: last.seq, contentHash: last.contentHash, sources: last.sources };
}

/**
 * Turns projection changes into desired versions. One pass at a time: a pass decides admissions
 * from the views as they are, publishes, and waits until its own publishes are folded before the
 * next pass looks again, so an admission is never counted twice nor missed.
 */
@Injectable()
export class ReconcilerService {
  private hosts = new Set<string>();
  private policies = new Set<string>();
  private running = false;
  private enabled = false;
  private timer?: NodeJS.Timeout;
  /** the timeouts published and still overdue (a host that reported, or whose timeout was folded, drops out) */
  private readonly timedOutSent = new Set<string>();
  private readonly compiled = new CompileMemo();
  private idle: Promise<void> = Promise.resolve();
  private resolveIdle?: () => void;
  /** per host whose publish failed: how long it waits before its next try (doubling; forgotten once it succeeds) */
  private readonly backoff = new Map<string, number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly pools: PoolKeeper;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly opts: ControllerOptions,
    @Inject(LOG) private readonly log: Logger,
    @Inject(ProjectionService) private readonly projection: ProjectionService,
  ) {
    this.pools = new PoolKeeper(bus, opts, log, projection);
  }

  /** Called once the projection caught up with the streams: from now on, act. */
  start(): void {
    this.projection.onFlush((r) => this.enqueue(r.hosts, r.policies));
    this.enabled = true;
    const s = this.projection.state;
    this.enqueue(Object.keys(s.hosts), Object.keys(s.policies));
    this.timer = setInterval(() => {
      void this.checkTimeouts().catch((e) => this.log.warn({ err: e }, 'timeout check failed'));
      void this.pools.releaseIdle().catch((e) => this.log.warn({ err: e }, 'releasing pool addresses failed'));
    }, this.opts.timeoutCheckMs);
  }

  stop(): void {
    this.enabled = false;
    clearInterval(this.timer);
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
  }

  /** Resolves when no pass is running or queued. */
  settled(): Promise<void> {
    return this.idle;
  }

  enqueue(hosts: Iterable<string>, policies: Iterable<string>): void {
    for (const h of hosts) this.hosts.add(h);
    for (const p of policies) this.policies.add(p);
    if (!this.running && this.enabled) void this.run();
  }

  private async run() {
    this.running = true;
    this.idle = new Promise((r) => (this.resolveIdle = r));
    try {
      while (this.enabled && (this.hosts.size || this.policies.size)) {
        const hosts = this.hosts;
        const policies = this.policies;
        this.hosts = new Set();
        this.policies = new Set();
        try {
          this.retryLater(await this.pass(hosts, policies));
        } catch (e) {
          this.log.error({ err: e }, 'reconcile pass failed; retrying shortly');
          for (const h of hosts) this.hosts.add(h);
          for (const p of policies) this.policies.add(p);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    } finally {
      this.running = false;
      this.resolveIdle?.();
    }
  }

  /**
   * Hosts whose publish failed are tried again on their own, later: one host's trouble (an
   * unreadable record on its desired subject, a timeout) never holds back the others, and is
   * logged once per retry, with a backoff, rather than on every pass.
   */
  private retryLater(failed: Map<string, unknown>) {
    if (!failed.size) return;
    const byDelay = new Map<number, string[]>();
    for (const host of failed.keys()) {
      const delay = this.backoff.get(host) ?? RETRY_MIN_MS;
      this.backoff.set(host, Math.min(RETRY_MAX_MS, delay * 2));
      byDelay.set(delay, [...(byDelay.get(delay) ?? []), host]);
    }
    const [first] = failed.values();
    this.log.warn({ err: first, hosts: [...failed.keys()].slice(0, 20), count: failed.size, retryInMs: [...byDelay.keys()] }, 'publishing desired state failed for some hosts; they are retried');
    for (const [delay, hosts] of byDelay) {
      const t = setTimeout(() => {
        this.retryTimers.delete(t);
        this.enqueue(hosts, []);
      }, delay);
      t.unref();
      this.retryTimers.add(t);
    }
  }

  /** One pass over the hosts and policies that changed; returns the hosts whose publish failed. */
  private async pass(hosts: Set<string>, policies: Set<string>): Promise<Map<string, unknown>> {
    // addresses first: a host compiles only once its pools gave it one
    await this.pools.ensure(hosts);
    const s = this.projection.state;
    for (const h of hosts) for (const p of s.views.compile[h]?.policies ?? []) policies.add(p);
    const admitted = new Map<string, Set<string>>();
    for (const p of policies) {
      const view = s.views.rollouts[p];
      if (!view) continue;
      for (const h of planAdmissions(view, (n) => s.hosts[n]?.pin !== undefined)) {
        if (!admitted.has(h)) admitted.set(h, new Set());
        admitted.get(h)!.add(p);
        hosts.add(h);
      }
    }
    let maxSeq = 0;
    const failed = new Map<string, unknown>();
    const work = [...hosts].sort();
    const worker = async () => {
      for (let name = work.shift(); name !== undefined; name = work.shift()) {
        const host = s.hosts[name];
        if (!host || host.registeredAt === undefined || isRetired(host)) continue;
        try {
          const seq = await this.publishFor(s, host, admitted.get(name) ?? new Set());
          maxSeq = Math.max(maxSeq, seq);
          this.backoff.delete(name);
        } catch (e) {
          failed.set(name, e);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(32, work.length) }, worker));
    if (maxSeq) await this.projection.waitFolded('desired', maxSeq);
    return failed;
  }

  /** Publishes the host's next version when one is due; the stream sequence it was stored at, or 0. */
  private async publishFor(s: Projection, host: HostBase, admitted: ReadonlySet<string>): Promise<number> {
    let head = headOf(host);
    const want = await this.wanted(s, host, admitted, head);
    if (!want) return 0;
    const reason = want.reason;
    const over = (h: DesiredHead | undefined) => {
      if (h?.contentHash === '') want.reason = `${reason}; over the unreadable record at ${Streams.desired} seq ${h.seq}`;
    };
    over(head);
    let pub;
    try {
      pub = await publishDesired(this.bus, this.opts.name, host.name, want, head);
    } catch (e) {
      if (!(e instanceof UnreadableHead)) throw e;
      // Garbage landed after the newest version we folded: once the fold has reached it, every
      // version stored before it is known, and the next one goes on top of the garbage.
      await this.projection.waitFolded('desired', e.seq, 10_000);
      const last = this.projection.state.hosts[host.name]?.desired.at(-1);
      head = { version: last?.version ?? 0, seq: e.seq, contentHash: '', sources: [] };
      over(head);
      pub = await publishDesired(this.bus, this.opts.name, host.name, want, head);
    }
    if (!pub) return 0;
    this.log.info({ host: host.name, version: pub.version, sources: want.sources, reason: want.reason }, 'desired published');
    return pub.seq;
  }

  private async wanted(s: Projection, host: HostBase, admitted: ReadonlySet<string>, head: DesiredHead | undefined): Promise<DesiredContent | undefined> {
    if (host.pin) {
      const at = host.desired.find((d) => d.version === host.pin!.toVersion);
      if (!at) return undefined;
      const m = await this.bus.jsm.streams.getMessage(Streams.desired, { seq: at.seq });
      const p = m && parseEvent(m.data, [EventTypes.desiredPublished]);
      if (!p || !p.ok) return undefined;
      const d = (p.event as FleetEvent<typeof EventTypes.desiredPublished>).data;
      const out: DesiredContent = { state: d.state, contentHash: d.contentHash, sources: d.sources, reason: `rollback to version ${d.version}`, rollbackOf: d.version };
      if (d.probes) out.probes = d.probes;
      if (d.enforce !== undefined) out.enforce = d.enforce;
      if (d.captured) out.captured = d.captured;
      // Already carrying that content: the rollback is done, nothing to republish.
      return head?.contentHash === d.contentHash ? undefined : out;
    }
    const c = this.compiled.compile(host.name, host.facts, gatedPolicies(s, host, admitted), renderContext(s, host));
    // A host no policy ever reached gets no empty version 1.
    if (!host.desired.length && !c.sources.length) return undefined;
    // A policy that cannot be rendered here (CaptureFailed, no pool address): the host is left as it is.
    if (c.renderFailed.length) return undefined;
    const out: DesiredContent = {
      state: c.state, contentHash: c.contentHash, sources: c.sources,
      reason: c.sources.length ? `policies ${c.sources.map((x) => `${x.policy}@${x.revision}`).join(', ')}` : 'no policy selects this host',
    };
    if (c.probes) out.probes = c.probes;
    if (c.enforce !== undefined) out.enforce = c.enforce;
    if (Object.keys(c.captured).length) out.captured = c.captured;
    return out;
  }

  /** Hosts in progress past their policy's timeout are recorded as timed out (an intent event, so a rebuild sees it). */
  private async checkTimeouts() {
    const s = this.projection.state;
    const now = Date.now();
    const overdue = new Set<string>();
    for (const view of Object.values(s.views.rollouts)) {
      if (view.counts.inProgress === 0) continue;
      const pol = s.policies[view.policy];
      if (!pol || pol.deleted) continue;
      const settings = rolloutSettings(pol.revisions[pol.revision]!.policy.spec.rollout, view.counts.total);
      for (const o of overdueHosts(view, settings.hostTimeoutSeconds, now)) {
        const id = `timeout-${view.policy}-${view.revision}-${o.host}-${o.version}`;
        overdue.add(id);
        if (this.timedOutSent.has(id)) continue;
        const subject = subjects.intentPolicy(view.policy);
        const ev = makeEvent(EventTypes.rolloutHostTimedOut, this.opts.name, subject, {
          policy: view.policy, revision: view.revision, host: o.host, version: o.version, afterSeconds: settings.hostTimeoutSeconds,
        }, { id });
        await this.bus.js.publish(subject, encodeEvent(ev), { msgID: id });
        this.timedOutSent.add(id); // after the publish: one that failed is tried again at the next check
        this.log.warn({ host: o.host, policy: view.policy, revision: view.revision, version: o.version }, 'rollout host timed out');
      }
    }
    // what is no longer overdue cannot time out again under the same id: forgotten, so the set stays small
    for (const id of this.timedOutSent) if (!overdue.has(id)) this.timedOutSent.delete(id);
  }
}
