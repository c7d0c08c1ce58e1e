import { policyPools, poolRange, type PoolAddress } from '@fleetnet/contracts';
import type { PolicyAt, RenderContext } from '../compile.ts';
import { effectiveLabels, type HostBase, type Projection } from './state.ts';

/**
 * Frozen captures that still count: recorded in the host's newest desired version, and stored after
 * the newest recapture request for that policy (server store times, so live folding and a rebuild agree).
 */
function frozenCaptures(state: Projection, host: HostBase): RenderContext['frozen'] {
  const captured = host.lastDesired?.captured;
  if (!captured) return {};
  const storedMs = host.desired[host.desired.length - 1]?.storedMs ?? 0;
  const out: RenderContext['frozen'] = {};
  for (const [policy, c] of Object.entries(captured)) {
    const r = state.policies[policy]?.recaptures;
    const after = Math.max(r?.['*'] ?? 0, r?.[host.name] ?? 0);
    if (storedMs > after) out[policy] = c;
  }
  return out;
}

/** The host's address in every pool it has one in, as `{{ pools.NAME.* }}` reads it. */
export function hostPools(state: Projection, host: string): Record<string, PoolAddress> {
  const out: Record<string, PoolAddress> = {};
  for (const p of Object.values(state.pools)) {
    const a = p.allocations[host];
    if (!a || p.deleted) continue;
    const r = poolRange(p.pool);
    if (!r.ok) continue;
    out[p.name] = { ip: a.address, 'prefix-length': r.range.prefix, ...(p.pool.spec.gateway ? { gateway: p.pool.spec.gateway } : {}) };
  }
  return out;
}

export function renderContext(state: Projection, host: HostBase): RenderContext {
  return {
    host: { name: host.name, labels: effectiveLabels(host), ...(host.facts ? { facts: host.facts } : {}) },
    ...(host.actual ? { actual: host.actual } : {}),
    frozen: frozenCaptures(state, host),
    pools: hostPools(state, host.name),
  };
}

/** The pools these policies take addresses from, sorted. */
export const poolsOf = (policies: readonly PolicyAt[]) => [...new Set(policies.flatMap((p) => policyPools(p.policy)))].sort();
