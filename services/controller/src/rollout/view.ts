import type { RolloutHost, RolloutState, RolloutView } from '@fleetnet/contracts';
import { laterOf, type HostBase, type PolicyBase } from '../projection/state.ts';
import { rolloutSettings } from './settings.ts';

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
 * The rollout of a policy's current revision over the hosts it matches (sorted by name; the first
 * `canary` of them are the canaries). Every count is recomputed from host facts each time: there
 * is no counter that a lost event could leave stuck.
 */
export function deriveRollout(policy: PolicyBase, hosts: readonly HostBase[]): RolloutView {
  const rev = policy.revisions[policy.revision]!;
  const settings = rolloutSettings(rev.policy.spec.rollout, hosts.length);
  const entries: Record<string, RolloutHost> = {};
  const counts = { total: hosts.length, pending: 0, inProgress: 0, succeeded: 0, failed: 0 };
  const failures: { host: string; reason: string }[] = [];
  let canaryFailed = false;
  let updatedAt: string = laterOf(rev.time, policy.pausedAt)!;
  hosts.forEach((h, i) => {
    const st = rolloutHostStatus(h, policy, i < settings.canary);
    entries[h.name] = st;
    updatedAt = laterOf(updatedAt, st.finishedAt ?? st.startedAt)!;
    if (st.phase === 'Pending') counts.pending++;
    else if (st.phase === 'InProgress') counts.inProgress++;
    else if (st.phase === 'Succeeded') counts.succeeded++;
    else if (st.phase === 'Failed' || st.phase === 'TimedOut') {
      counts.failed++;
      failures.push({ host: h.name, reason: st.reason ?? st.phase });
      if (st.canary) canaryFailed = true;
    }
  });
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
