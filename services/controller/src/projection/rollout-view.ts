import type { RolloutHost, RolloutState, RolloutView } from '@fleetnet/contracts';
import { laterOf, type HostBase, type PolicyBase } from './state.ts';
import { rolloutSettings } from './rollout-settings.ts';

/**
 * Where one host stands in the rollout of `policy@revision`, from facts only: the first desired
 * version carrying that revision starts it; the newest sync at or after that version ends it;
 * a recorded timeout ends it as TimedOut unless a final sync came after all.
 */
export function rolloutHostStatus(host: HostBase, policy: PolicyBase, canary: boolean): RolloutHost {
  const rev = policy.revision;
  const first = host.desired.find((d) => d.sources.some((s) => s.policy === policy.name && s.revision >= rev));
  const base: RolloutHost = canary ? { phase: 'Pending', canary: true } : { phase: 'Pending' };
  if (!first) return base;
  let newest: { v: number; phase: string; time: string; error?: string | undefined } | undefined;
  for (const [v, s] of Object.entries(host.syncs)) {
    const n = Number(v);
    if (n >= first.version && (!newest || n > newest.v)) newest = { v: n, phase: s.phase, time: s.time, error: s.error?.message };
  }
  const started: RolloutHost = { ...base, phase: 'InProgress', version: first.version, startedAt: first.time };
  if (newest && (newest.phase === 'Applied' || newest.phase === 'Drifted')) {
    return { ...started, phase: 'Succeeded', finishedAt: newest.time };
  }
  if (newest && (newest.phase === 'Failed' || newest.phase === 'RolledBack')) {
    return { ...started, phase: 'Failed', finishedAt: newest.time, reason: `${newest.phase}: ${newest.error ?? 'no reason given'}` };
  }
  const timeout = policy.timeouts[`${rev}/${host.name}`];
  if (timeout) {
    return { ...started, phase: 'TimedOut', finishedAt: timeout.time, reason: `TimedOut: no final sync for version ${timeout.version} within ${timeout.afterSeconds} s` };
  }
  return started;
}

/**
 * Per-host statuses of one policy's rollout, kept between derivations: a host's status depends only
 * on the host entity, the policy entity and its canary flag, and entities are immutable (a change
 * is a new object), so an entry is reused while both objects are the same ones. At 10,000 hosts this
 * turns each re-derivation into map lookups instead of a walk over every host's versions and syncs.
 */
export class RolloutCache {
  private policy?: PolicyBase;
  private readonly byHost = new Map<string, { host: HostBase; canary: boolean; status: RolloutHost; timeMs: number }>();

  status(host: HostBase, policy: PolicyBase, canary: boolean): { status: RolloutHost; timeMs: number } {
    if (policy !== this.policy) {
      this.policy = policy;
      this.byHost.clear();
    }
    const hit = this.byHost.get(host.name);
    if (hit && hit.host === host && hit.canary === canary) return hit;
    const status = rolloutHostStatus(host, policy, canary);
    const at = status.finishedAt ?? status.startedAt;
    const entry = { host, canary, status, timeMs: at === undefined ? NaN : Date.parse(at) };
    this.byHost.set(host.name, entry);
    return entry;
  }

  get size(): number {
    return this.byHost.size;
  }

  /** forget hosts no longer in the rollout (so the cache never outgrows it) */
  keepOnly(names: ReadonlySet<string>): void {
    for (const n of this.byHost.keys()) if (!names.has(n)) this.byHost.delete(n);
  }
}

/**
 * The rollout of a policy's current revision over the hosts it matches (sorted by name; the first
 * `canary` of them are the canaries). Every count is recomputed from host facts each time: there
 * is no counter that a lost event could leave stuck. `cache` only saves recomputing a host whose
 * entity did not change.
 */
export function deriveRollout(policy: PolicyBase, hosts: readonly HostBase[], cache: RolloutCache = new RolloutCache()): RolloutView {
  const rev = policy.revisions[policy.revision]!;
  const settings = rolloutSettings(rev.policy.spec.rollout, hosts.length);
  const entries: Record<string, RolloutHost> = {};
  const counts = { total: hosts.length, pending: 0, inProgress: 0, succeeded: 0, failed: 0 };
  const failures: { host: string; reason: string }[] = [];
  let canaryFailed = false;
  let updatedAt: string = laterOf(rev.time, policy.pausedAt)!;
  let updatedMs = Date.parse(updatedAt);
  hosts.forEach((h, i) => {
    const { status: st, timeMs } = cache.status(h, policy, i < settings.canary);
    entries[h.name] = st;
    // laterOf(updatedAt, finishedAt ?? startedAt), with the times parsed once per status
    if (timeMs > updatedMs) {
      updatedMs = timeMs;
      updatedAt = (st.finishedAt ?? st.startedAt)!;
    }
    if (st.phase === 'Pending') counts.pending++;
    else if (st.phase === 'InProgress') counts.inProgress++;
    else if (st.phase === 'Succeeded') counts.succeeded++;
    else if (st.phase === 'Failed' || st.phase === 'TimedOut') {
      counts.failed++;
      failures.push({ host: h.name, reason: st.reason ?? st.phase });
      if (st.canary) canaryFailed = true;
    }
  });
  if (cache.size > hosts.length) cache.keepOnly(new Set(hosts.map((h) => h.name)));
  let state: RolloutState = 'Progressing';
  if (canaryFailed || counts.failed >= settings.failureThreshold) state = 'Halted';
  else if (policy.paused) state = 'Paused';
  else if (counts.pending === 0 && counts.inProgress === 0) state = 'Complete';
  return {
    policy: policy.name,
    revision: policy.revision,
    state,
    maxUnavailable: settings.maxUnavailable,
    canary: settings.canary,
    failureThreshold: settings.failureThreshold,
    hosts: entries,
    counts,
    failures,
    startedAt: rev.time,
    updatedAt,
  };
}

/** What the API and the KV bucket serve of a rollout's per-host list; counts and state are always complete. */
export const SERVED_ROLLOUT_BYTES = 600 * 1024;
const FAILURE_BYTES = 100 * 1024;
const SERVE_ORDER: Record<string, number> = { Failed: 0, TimedOut: 1, InProgress: 2, Pending: 3, Skipped: 4, Succeeded: 5 };

/**
 * A rollout view that fits in one NATS message whatever the fleet size. Up to `budget` bytes of
 * `hosts` entries are kept — failed and timed-out hosts first, then in progress, pending, and
 * succeeded last, by name within each — and up to 100 KB of `failures`; the rest is left out.
 * A client sees that the list was cut when it has fewer entries than `counts.total` (and
 * `failures` fewer than `counts.failed`); hosts.list pages through every host. Small rollouts
 * (the whole view within the budget) are served unchanged.
 */
export function servedRollout(view: RolloutView, budget = SERVED_ROLLOUT_BYTES): RolloutView {
  const names = Object.keys(view.hosts);
  // ~120 bytes per host entry: cheap test for the common, small case
  if (names.length * 160 < budget && view.failures.length * 200 < FAILURE_BYTES) return view;
  const ranked = names.sort((a, b) => (SERVE_ORDER[view.hosts[a]!.phase] ?? 9) - (SERVE_ORDER[view.hosts[b]!.phase] ?? 9) || (a < b ? -1 : a > b ? 1 : 0));
  const kept: string[] = [];
  let bytes = 0;
  for (const n of ranked) {
    const size = n.length + JSON.stringify(view.hosts[n]).length + 4;
    if (bytes + size > budget) break;
    bytes += size;
    kept.push(n);
  }
  if (kept.length === names.length && view.failures.length * 200 < FAILURE_BYTES) return view;
  kept.sort();
  const hosts: Record<string, RolloutHost> = {};
  for (const n of kept) hosts[n] = view.hosts[n]!;
  const failures: RolloutView['failures'] = [];
  let fbytes = 0;
  for (const f of view.failures) {
    fbytes += f.host.length + f.reason.length + 24;
    if (fbytes > FAILURE_BYTES) break;
    failures.push(f);
  }
  return { ...view, hosts, failures };
}
