import { poolRange, poolSize, Streams, subjects, type Condition, type PoolView, type HistoryEntry, type HostView, type PolicyView, type RolloutView } from '@fleetnet/contracts';
import { compileHost, type PolicyAt } from '../compile.ts';
import { matchesSelector } from '@fleetnet/contracts';
import {
  desiredVersionOf, effectiveLabels, isRetired, laterOf,
  type HostBase, type HostCompileView, type PolicyBase, type PoolBase, type Projection,
} from './state.ts';
import { poolsOf, renderContext } from './render-context.ts';

/** The policies (at their current revision) whose selector takes this host. */
export function matchingPolicies(state: Projection, host: HostBase): PolicyAt[] {
  if (isRetired(host)) return [];
  const labels = effectiveLabels(host);
  const out: PolicyAt[] = [];
  for (const p of Object.values(state.policies)) {
    if (p.deleted) continue;
    const rev = p.revisions[p.revision]!;
    if (matchesSelector(rev.policy.spec.hostSelector, labels)) out.push({ name: p.name, revision: p.revision, policy: rev.policy });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Conflicts and unresolved NIC matches of the fully rolled-out target, for conditions. */
export function hostCompileView(state: Projection, host: HostBase): HostCompileView {
  const policies = matchingPolicies(state, host);
  const c = compileHost(host.facts, policies, renderContext(state, host));
  const view: HostCompileView = { policies: policies.map((p) => p.name), conflicts: c.conflicts, unresolved: c.unresolved };
  if (c.renderFailed.length) view.renderFailed = c.renderFailed;
  const pools = poolsOf(policies);
  if (pools.length) view.pools = pools;
  if (policies.some((p) => p.policy.spec.capture && Object.keys(p.policy.spec.capture).length)) view.captures = true;
  return view;
}

const sizes = new WeakMap<PoolBase, number>();
/** Addresses a pool has left (0 for a pool that does not exist or is deleted). */
export function poolFree(p: PoolBase | undefined): number {
  if (!p || p.deleted) return 0;
  let size = sizes.get(p);
  if (size === undefined) {
    const r = poolRange(p.pool);
    sizes.set(p, (size = r.ok ? poolSize(r.range) : 0));
  }
  return size - Object.keys(p.allocations).length;
}

/** A pool with every allocation (sorted by address) and the hosts it could not give one. */
export function poolView(state: Projection, pool: PoolBase): PoolView {
  const allocations = Object.entries(pool.allocations)
    .map(([host, a]) => ({ host, address: a.address, since: a.since }))
    .sort((a, b) => ipOrder(a.address) - ipOrder(b.address));
  const exhausted: string[] = [];
  for (const [h, c] of Object.entries(state.views.compile)) {
    if (c.renderFailed?.some((f) => f.reason === 'PoolMissing' && f.pool === pool.name) && !pool.allocations[h]) exhausted.push(h);
  }
  const free = poolFree(pool);
  return {
    name: pool.name, pool: pool.pool, size: free + allocations.length, allocated: allocations.length, free,
    allocations, exhausted: free > 0 ? [] : exhausted.sort(), deleted: pool.deleted, updatedAt: pool.updatedAt,
  };
}

const ipOrder = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

/** Render failures as conditions; a pool address not allocated yet, from a pool with room, is no condition. */
function renderConditions(state: Projection, compile: HostCompileView | undefined): Condition[] {
  const out: Condition[] = [];
  for (const f of compile?.renderFailed ?? []) {
    const since = policyTime(state, [f.policy]);
    if (f.reason === 'PoolMissing' && f.pool !== undefined) {
      const pool = state.pools[f.pool];
      if (pool && !pool.deleted && poolFree(pool) > 0) continue;
      const why = !pool || pool.deleted ? `pool "${f.pool}" does not exist` : `pool "${f.pool}" has no free address`;
      out.push({ type: 'PoolExhausted', status: 'True', reason: !pool || pool.deleted ? 'UnknownPool' : 'NoFreeAddress', message: `policy ${f.policy}: ${why}; nothing is applied to this host`, since });
      continue;
    }
    out.push({ type: f.type, status: 'True', reason: f.reason, message: `policy ${f.policy}: ${f.message}; nothing is applied to this host`, since });
  }
  return out;
}

const policyTime = (state: Projection, names: readonly string[]) =>
  names.reduce<string | undefined>((t, n) => laterOf(t, state.policies[n]?.updatedAt), undefined) ?? '';

export function hostView(state: Projection, host: HostBase, compile: HostCompileView | undefined): HostView {
  const desiredVersion = desiredVersionOf(host);
  const versions = Object.keys(host.syncs).map(Number);
  const reportedVersion = versions.length ? Math.max(...versions) : 0;
  const applied = versions.filter((v) => host.syncs[v]!.phase === 'Applied');
  const reported = host.syncs[reportedVersion];
  let phase: HostView['phase'] = 'Unknown';
  if (desiredVersion > 0) phase = reportedVersion < desiredVersion ? 'Pending' : reported!.phase;
  let inSync: boolean | null = null;
  if (desiredVersion > 0 && reportedVersion === desiredVersion) inSync = reported!.inSync ?? reported!.phase === 'Applied';
  const conditions: Condition[] = [];
  for (const c of compile?.conflicts ?? []) {
    conditions.push({
      type: 'Conflict', status: 'True', reason: 'EqualPriorityDisagree',
      message: `${c.path}: policies ${c.policies.join(', ')} have equal priority and set different values; neither is applied`,
      since: policyTime(state, c.policies),
    });
  }
  for (const u of compile?.unresolved ?? []) {
    conditions.push({
      type: 'Unresolved', status: 'True', reason: 'NicNotFound',
      message: `policy ${u.policy}: ${u.path}: ${u.message}`, since: policyTime(state, [u.policy]),
    });
  }
  conditions.push(...renderConditions(state, compile));
  const unreadable = unreadableCondition(host);
  if (unreadable) conditions.push(unreadable);
  const last = host.desired[host.desired.length - 1];
  const view: HostView = {
    name: host.name,
    labels: effectiveLabels(host),
    desiredVersion,
    appliedVersion: applied.length ? Math.max(...applied) : 0,
    reportedVersion,
    phase,
    inSync,
    results: host.lastSync?.results ?? [],
    sources: last?.sources ?? [],
    conditions,
    reachable: true,
    retired: isRetired(host),
    updatedAt: host.updatedAt,
  };
  if (host.facts) view.facts = host.facts;
  if (host.agentVersion !== undefined) view.agentVersion = host.agentVersion;
  if (host.lastSeen !== undefined) view.lastSeen = host.lastSeen;
  if (reported?.error) view.lastError = reported.error;
  if (host.lastSync?.timings) view.timings = host.lastSync.timings;
  if (host.registeredAt !== undefined) view.registeredAt = host.registeredAt;
  if (host.actual) view.actual = host.actual;
  return view;
}

/**
 * An unreadable record on the host's desired subject, until the host reported on a version stored
 * after it: until then the host may have read the garbage instead of its desired state.
 */
function unreadableCondition(host: HostBase): Condition | undefined {
  const bad = host.unreadableDesired;
  if (!bad) return undefined;
  const over = host.desired.find((d) => d.seq > bad.seq);
  if (over && Object.keys(host.syncs).some((v) => Number(v) >= over.version)) return undefined;
  return {
    type: 'Invalid', status: 'True', reason: 'UnreadableDesiredRecord',
    message: `${Streams.desired} seq ${bad.seq} on ${subjects.desired(host.name)} is not the host's desired state (${bad.reason}); `
      + (over ? `version ${over.version} was published over it and the host has not reported on it yet` : 'the next version is published over it'),
    since: bad.at ?? host.updatedAt,
  };
}

export function historyOf(host: HostBase): HistoryEntry[] {
  const newest = desiredVersionOf(host);
  return host.desired.map((d) => {
    const s = host.syncs[d.version];
    const e: HistoryEntry = {
      version: d.version, time: d.time, sources: d.sources, contentHash: d.contentHash,
      outcome: s ? s.phase : d.version < newest ? 'Superseded' : 'Pending',
    };
    if (d.reason !== undefined) e.reason = d.reason;
    if (d.rollbackOf !== undefined) e.rollbackOf = d.rollbackOf;
    if (s?.error) e.error = s.error;
    return e;
  });
}

export function policyView(
  state: Projection, policy: PolicyBase, matched: string[], rollout: RolloutView | undefined,
): PolicyView {
  const conditions: Condition[] = [];
  if (!policy.deleted) {
    const conflicts = new Map<string, string[]>();
    for (const h of matched) {
      for (const c of state.views.compile[h]?.conflicts ?? []) {
        if (!c.policies.includes(policy.name)) continue;
        const key = `${c.path} with ${c.policies.filter((p) => p !== policy.name).join(', ')}`;
        conflicts.set(key, [...(conflicts.get(key) ?? []), h]);
      }
    }
    if (conflicts.size) {
      const parts = [...conflicts].map(([k, hosts]) => `${k} on ${hosts.length} host(s) (${hosts.slice(0, 5).join(', ')}${hosts.length > 5 ? ', ...' : ''})`);
      const others = [...new Set([...conflicts.keys()].flatMap((k) => k.split(' with ')[1]!.split(', ')))];
      conditions.push({
        type: 'Conflict', status: 'True', reason: 'EqualPriorityDisagree',
        message: `equal priority, different values: ${parts.join('; ')}`,
        since: policyTime(state, [policy.name, ...others]),
      });
    }
    if (rollout?.state === 'Halted') {
      conditions.push({
        type: 'Halted', status: 'True', reason: 'FailureThresholdReached',
        message: `rollout of revision ${rollout.revision} halted: ${rollout.failures.map((f) => `${f.host}: ${f.reason}`).join('; ')}`,
        since: rollout.failures.map((f) => rollout.hosts[f.host]?.finishedAt).reduce<string | undefined>(laterOf, undefined) ?? rollout.updatedAt,
      });
    }
    if (policy.paused) {
      conditions.push({ type: 'Paused', status: 'True', reason: 'PausedByOperator', message: 'rollout paused', since: policy.pausedAt ?? policy.updatedAt });
    }
  }
  return {
    name: policy.name,
    revision: policy.revision,
    policy: policy.revisions[policy.revision]!.policy,
    matchedHosts: matched,
    conditions,
    deleted: policy.deleted,
    createdAt: policy.createdAt,
    updatedAt: policy.updatedAt,
  };
}
