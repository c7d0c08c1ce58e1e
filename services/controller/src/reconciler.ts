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
import { publishDesired, type DesiredContent, type DesiredHead } from './publish.ts';
import { gatedPolicies } from './rollout/gate.ts';
import { overdueHosts, planAdmissions } from './rollout/plan.ts';
import { rolloutSettings } from './projection/rollout-settings.ts';

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
  private readonly timedOutSent = new Set<string>();
  private readonly compiled = new CompileMemo();
  private idle: Promise<void> = Promise.resolve();
  private resolveIdle?: () => void;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly opts: ControllerOptions,
    @Inject(LOG) private readonly log: Logger,
    @Inject(ProjectionService) private readonly projection: ProjectionService,
  ) {}

  /** Called once the projection caught up with the streams: from now on, act. */
  start(): void {
    this.projection.onFlush((r) => this.enqueue(r.hosts, r.policies));
    this.enabled = true;
    const s = this.projection.state;
    this.enqueue(Object.keys(s.hosts), Object.keys(s.policies));
    this.timer = setInterval(() => void this.checkTimeouts().catch((e) => this.log.warn({ err: e }, 'timeout check failed')), this.opts.timeoutCheckMs);
  }

  stop(): void {
    this.enabled = false;
    clearInterval(this.timer);
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
          await this.pass(hosts, policies);
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

  private async pass(hosts: Set<string>, policies: Set<string>) {
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
    const work = [...hosts].sort();
    const worker = async () => {
      for (let name = work.shift(); name !== undefined; name = work.shift()) {
        const host = s.hosts[name];
        if (!host || host.registeredAt === undefined || isRetired(host)) continue;
        const want = await this.wanted(s, host, admitted.get(name) ?? new Set());
        if (!want) continue;
        const last = host.desired[host.desired.length - 1];
        const head: DesiredHead | undefined = last && { version: last.version, seq: last.seq, contentHash: last.contentHash, sources: last.sources };
        const pub = await publishDesired(this.bus, this.opts.name, name, want, head);
        if (pub) {
          maxSeq = Math.max(maxSeq, pub.seq);
          this.log.info({ host: name, version: pub.version, sources: want.sources, reason: want.reason }, 'desired published');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(32, work.length) }, worker));
    if (maxSeq) await this.projection.waitFolded('desired', maxSeq);
  }

  private async wanted(s: Projection, host: HostBase, admitted: ReadonlySet<string>): Promise<DesiredContent | undefined> {
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
      // Already carrying that content: the rollback is done, nothing to republish.
      const last = host.desired[host.desired.length - 1];
      return last && last.contentHash === d.contentHash ? undefined : out;
    }
    const c = this.compiled.compile(host.name, host.facts, gatedPolicies(s, host, admitted));
    // A host no policy ever reached gets no empty version 1.
    if (!host.desired.length && !c.sources.length) return undefined;
    const out: DesiredContent = {
      state: c.state, contentHash: c.contentHash, sources: c.sources,
      reason: c.sources.length ? `policies ${c.sources.map((x) => `${x.policy}@${x.revision}`).join(', ')}` : 'no policy selects this host',
    };
    if (c.probes) out.probes = c.probes;
    if (c.enforce !== undefined) out.enforce = c.enforce;
    return out;
  }

  /** Hosts in progress past their policy's timeout are recorded as timed out (an intent event, so a rebuild sees it). */
  private async checkTimeouts() {
    const s = this.projection.state;
    const now = Date.now();
    for (const view of Object.values(s.views.rollouts)) {
      if (view.counts.inProgress === 0) continue;
      const pol = s.policies[view.policy];
      if (!pol || pol.deleted) continue;
      const settings = rolloutSettings(pol.revisions[pol.revision]!.policy.spec.rollout, view.counts.total);
      for (const o of overdueHosts(view, settings.hostTimeoutSeconds, now)) {
        const id = `timeout-${view.policy}-${view.revision}-${o.host}-${o.version}`;
        if (this.timedOutSent.has(id)) continue;
        this.timedOutSent.add(id);
        const subject = subjects.intentPolicy(view.policy);
        const ev = makeEvent(EventTypes.rolloutHostTimedOut, this.opts.name, subject, {
          policy: view.policy, revision: view.revision, host: o.host, version: o.version, afterSeconds: settings.hostTimeoutSeconds,
        }, { id });
        await this.bus.js.publish(subject, encodeEvent(ev), { msgID: id });
        this.log.warn({ host: o.host, policy: view.policy, revision: view.revision, version: o.version }, 'rollout host timed out');
      }
    }
  }
}
