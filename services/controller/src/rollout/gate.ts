import type { PolicyAt } from '../compile.ts';
import type { HostBase, Projection } from '../projection/state.ts';
import { matchingPolicies } from '../projection/views.ts';

/**
 * The policy revisions a host should get now. A policy whose rollout has reached the host (or
 * admits it in this pass) counts at its current revision; otherwise the host keeps the revision
 * it already has, and a policy it never had stays away until the rollout reaches it.
 * Removing a policy (deleted, or selector no longer matching) is never held back.
 */
export function gatedPolicies(state: Projection, host: HostBase, admitted: ReadonlySet<string>): PolicyAt[] {
  const current = host.desired[host.desired.length - 1]?.sources ?? [];
  const out: PolicyAt[] = [];
  for (const p of matchingPolicies(state, host)) {
    const entry = state.views.rollouts[p.name]?.hosts[host.name];
    if (!entry || entry.phase !== 'Pending' || admitted.has(p.name)) {
      out.push(p);
      continue;
    }
    const had = current.find((s) => s.policy === p.name);
    const old = had && state.policies[p.name]?.revisions[had.revision];
    if (had && old) out.push({ name: p.name, revision: had.revision, policy: old.policy });
  }
  return out;
}
