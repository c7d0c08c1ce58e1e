import { LabelIndex } from '../label-index.ts';
import type { Decoded, FoldInput } from './decode.ts';
import { foldPatch } from './fold.ts';
import type { IntentCheck } from './intent.ts';
import { deriveRollout, RolloutCache } from './rollout-view.ts';
import { effectiveLabels, isRetired, type HostBase, type PolicyBase, type Projection, emptyProjection } from './state.ts';
import { hostCompileView, hostView, policyView } from './views.ts';

export interface FlushResult {
  hosts: string[];
  policies: string[];
  pools?: string[];
}

/**
 * Holds the projection and what changed since the last flush. `apply` folds (cheap, per message);
 * `flush` re-derives the views of what was touched (per batch), using the label index so a policy
 * change looks only at the hosts its selector can take.
 */
export class Projector {
  state: Projection;
  readonly index = new LabelIndex();
  private dirtyHosts = new Set<string>();
  private dirtyPolicies = new Set<string>();
  private dirtyCompile = new Set<string>();
  /** pools changed since the KV store last took them */
  dirtyPools = new Set<string>();
  private readonly rolloutCaches = new Map<string, RolloutCache>();
  private readonly matchCache = new Map<string, { policy: PolicyBase; version: number; hosts: string[] }>();

  /** The projector owns its state: entity records are updated in place, entities themselves are immutable. */
  constructor(initial: Projection = emptyProjection()) {
    this.state = structuredClone(initial);
    for (const h of Object.values(initial.hosts)) if (!isRetired(h)) this.index.set(h.name, effectiveLabels(h));
  }

  /** intent sequence → whether it counted; read by the intake to publish rejections */
  readonly verdicts = new Map<number, IntentCheck>();

  /** `decoded`: the message already decoded by the caller (it is never decoded twice) */
  apply(msg: FoldInput, decoded?: Decoded): void {
    const { patch, touched } = foldPatch(this.state, msg, decoded);
    if (!patch) return;
    this.state.seq[patch.stream] = patch.seq;
    Object.assign(this.state.hosts, patch.hosts);
    Object.assign(this.state.policies, patch.policies);
    if (patch.pools) {
      Object.assign(this.state.pools, patch.pools);
      for (const p of Object.keys(patch.pools)) this.dirtyPools.add(p);
    }
    if (touched.verdict) {
      this.verdicts.set(msg.seq, touched.verdict);
      if (this.verdicts.size > 10_000) this.verdicts.delete(this.verdicts.keys().next().value!);
    }
    for (const h of touched.hosts) this.dirtyHosts.add(h);
    for (const h of touched.compile) this.dirtyCompile.add(h);
    for (const p of touched.policies) this.dirtyPolicies.add(p);
  }

  get dirty(): boolean {
    return this.dirtyHosts.size > 0 || this.dirtyPolicies.size > 0;
  }

  flush(): FlushResult {
    const hosts = this.dirtyHosts;
    const policies = this.dirtyPolicies;
    const ownCompile = this.dirtyCompile;
    this.dirtyHosts = new Set();
    this.dirtyPolicies = new Set();
    this.dirtyCompile = new Set();
    const pools = [...this.dirtyPools];
    this.dirtyPools = new Set();
    if (!hosts.size && !policies.size) return { hosts: [], policies: [], pools };
    const s = this.state;
    for (const name of hosts) {
      const h = s.hosts[name];
      if (!h || isRetired(h)) this.index.remove(name);
      else this.index.set(name, effectiveLabels(h));
    }
    const matchOf = (p: string) => this.matched(p);
    // hosts a changed policy took or lets go: their compile views must be re-derived
    const viaPolicy = new Set<string>();
    for (const p of policies) {
      for (const h of s.views.policies[p]?.matchedHosts ?? []) viaPolicy.add(h);
      for (const h of matchOf(p)) viaPolicy.add(h);
    }
    for (const h of viaPolicy) hosts.add(h);
    const compile: Record<string, ReturnType<typeof hostCompileView>> = {};
    const views: Record<string, ReturnType<typeof hostView>> = {};
    for (const name of hosts) {
      const h = s.hosts[name];
      if (!h) continue;
      // A desired version or a report does not change what a host compiles to: only its labels,
      // facts, retirement (ownCompile) or the policies (viaPolicy) do.
      const old = s.views.compile[name];
      const c = old && !ownCompile.has(name) && !viaPolicy.has(name) ? old : hostCompileView(s, h);
      for (const p of old?.policies ?? []) policies.add(p);
      for (const p of c.policies) policies.add(p);
      compile[name] = c;
    }
    // Host views read conflicts of this host only; policy views read every matched host's conflicts.
    Object.assign(s.views.compile, compile);
    const withCompile = s;
    for (const name of hosts) {
      const h = withCompile.hosts[name];
      if (h) views[name] = hostView(withCompile, h, withCompile.views.compile[name]);
    }
    const pviews: Record<string, ReturnType<typeof policyView>> = {};
    const rviews: Record<string, ReturnType<typeof deriveRollout> | null> = {};
    for (const p of policies) {
      const pol = withCompile.policies[p];
      if (!pol) continue;
      const m = matchOf(p);
      let cache = this.rolloutCaches.get(p);
      if (!cache) this.rolloutCaches.set(p, (cache = new RolloutCache()));
      const rollout = pol.deleted
        ? undefined
        : deriveRollout(pol, m.map((n) => withCompile.hosts[n]!).filter((h: HostBase) => h.registeredAt !== undefined), cache);
      if (!rollout) this.rolloutCaches.delete(p);
      rviews[p] = rollout ?? null;
      pviews[p] = policyView(withCompile, pol, m, rollout);
    }
    Object.assign(s.views.hosts, views);
    Object.assign(s.views.policies, pviews);
    for (const [n, v] of Object.entries(rviews)) {
      if (v) s.views.rollouts[n] = v;
      else delete s.views.rollouts[n];
    }
    return { hosts: [...hosts], policies: [...policies], pools };
  }

  /**
   * The hosts a policy's current revision selects, sorted. Kept until the policy entity or any
   * host's labels change (the label index's version), so a flush that only folded reports does
   * not run the selector over the whole fleet again.
   */
  private matched(p: string): string[] {
    const pol = this.state.policies[p]!;
    const hit = this.matchCache.get(p);
    if (hit && hit.policy === pol && hit.version === this.index.version) return hit.hosts;
    const hosts = pol.deleted ? [] : this.index.select(pol.revisions[pol.revision]!.policy.spec.hostSelector);
    this.matchCache.set(p, { policy: pol, version: this.index.version, hosts });
    return hosts;
  }
}
