import {
  HostPhases, validatePolicy,
  type ApiRequest, type ApiResponse, type EventSummary, type HostNetworkPolicy, type HostView,
} from '@fleetnet/contracts';
import { compileHost, type PolicyAt } from '../compile.ts';
import { desiredVersionOf, isRetired, type HostBase, type Projection } from '../projection/state.ts';
import { historyOf, matchingPolicies } from '../projection/views.ts';
import { matchesSelector, parseSelector, SelectorSyntaxError } from '@fleetnet/contracts';
import { actualChanges, desiredChanges } from './changes.ts';
import { ApiFailure } from './errors.ts';
import { servedRollout, SERVED_ROLLOUT_BYTES } from '../rollout/view.ts';

/** Default page size: a page of host views must fit in one NATS message (1 MB by default). */
export const DEFAULT_PAGE = 200;

/** Read-only answers computed from the projection: pure, so they are tested without a bus. */

function selectorOf(text: string | undefined) {
  try {
    return text ? parseSelector(text) : undefined;
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw new ApiFailure('BAD_REQUEST', e.message, [{ path: 'selector', message: e.message }]);
    throw e;
  }
}

export function hostOrFail(state: Projection, name: string): HostBase {
  const h = state.hosts[name];
  if (!h || !state.views.hosts[name]) throw new ApiFailure('NOT_FOUND', `host "${name}" is not known`);
  return h;
}

export function listHosts(
  state: Projection, req: ApiRequest<'hosts.list'>, live: (v: HostView) => HostView,
): ApiResponse<'hosts.list'> {
  const sel = selectorOf(req.selector);
  if (req.phase !== undefined && !(HostPhases as readonly string[]).includes(req.phase)) {
    throw new ApiFailure('BAD_REQUEST', `unknown phase "${req.phase}"; one of ${HostPhases.join(', ')}`, [{ path: 'phase', message: 'unknown phase' }]);
  }
  const all = Object.keys(state.views.hosts).sort()
    .map((n) => state.views.hosts[n]!)
    .filter((v) => matchesSelector(sel, v.labels) && (req.phase === undefined || v.phase === req.phase));
  const offset = req.offset ?? 0;
  const limit = req.limit ?? DEFAULT_PAGE;
  const items = all.slice(offset, offset + limit).map(live);
  const out: ApiResponse<'hosts.list'> = { items, total: all.length };
  if (offset + limit < all.length) out.nextOffset = offset + limit;
  return out;
}

export function hostEvents(h: HostBase, limit = 20): EventSummary[] {
  const out: EventSummary[] = [];
  for (const d of h.desired) {
    out.push({ time: d.time, type: 'desired', id: d.id, summary: `desired v${d.version} published (${d.reason ?? d.sources.map((s) => `${s.policy}@${s.revision}`).join(', ')})` });
  }
  for (const [v, s] of Object.entries(h.syncs)) {
    out.push({ time: s.time, type: 'sync', id: s.id, summary: `v${v} ${s.phase}${s.error ? `: ${s.error.message}` : ''}` });
  }
  if (h.helloAt) out.push({ time: h.helloAt, type: 'hello', id: `hello-${h.helloAt}`, summary: `agent ${h.agentVersion ?? '?'} said hello` });
  out.sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
  return out.slice(0, limit);
}

export function getHost(state: Projection, name: string, live: (v: HostView) => HostView): ApiResponse<'hosts.get'> {
  const h = hostOrFail(state, name);
  return { host: live(state.views.hosts[name]!), events: hostEvents(h) };
}

export function hostHistory(state: Projection, name: string): ApiResponse<'hosts.history'> {
  return { host: name, versions: historyOf(hostOrFail(state, name)) };
}

export function listPolicies(state: Projection, req: ApiRequest<'policies.list'>): ApiResponse<'policies.list'> {
  const sel = selectorOf(req.selector);
  const all = Object.keys(state.views.policies).sort()
    .map((n) => state.views.policies[n]!)
    .filter((p) => !p.deleted && matchesSelector(sel, p.policy.metadata.labels ?? {}));
  const offset = req.offset ?? 0;
  return { items: all.slice(offset, offset + (req.limit ?? 1000)), total: all.length };
}

export function getPolicy(state: Projection, name: string): ApiResponse<'policies.get'> {
  const p = state.views.policies[name];
  if (!p || p.deleted) throw new ApiFailure('NOT_FOUND', `policy "${name}" is not known`);
  return { policy: p };
}

/** A rollout as served: past a few thousand hosts its per-host list is cut (see servedRollout). */
export function getRollout(state: Projection, policy: string): ApiResponse<'rollouts.get'> {
  const r = state.views.rollouts[policy];
  if (!r) throw new ApiFailure('NOT_FOUND', `no rollout for policy "${policy}"`);
  return { rollout: servedRollout(r) };
}

/** Every rollout, each cut to its share of one message. */
export function listRollouts(state: Projection): ApiResponse<'rollouts.list'> {
  const names = Object.keys(state.views.rollouts).sort();
  const budget = Math.floor(SERVED_ROLLOUT_BYTES / Math.max(1, names.length));
  return { items: names.map((k) => servedRollout(state.views.rollouts[k]!, budget)) };
}

/**
 * What upserting `policy` would do, without doing it: the hosts it would select and, per host,
 * the change against the current desired state and against the last reported actual state.
 */
export function planPolicy(state: Projection, policy: HostNetworkPolicy): ApiResponse<'plan'> {
  const v = validatePolicy(policy);
  if (!v.ok) throw new ApiFailure('BAD_REQUEST', `policy is invalid`, v.errors.map((e) => ({ path: `policy.${e.path}`, message: e.message })));
  const name = policy.metadata.name;
  const existing = state.policies[name];
  const revision = existing ? existing.revision + 1 : 1;
  const matchedHosts: ApiResponse<'plan'>['matchedHosts'] = [];
  let unmatched = 0;
  for (const h of Object.values(state.hosts).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (isRetired(h) || h.registeredAt === undefined) continue;
    const labels = state.views.hosts[h.name]?.labels ?? {};
    if (!matchesSelector(policy.spec.hostSelector, labels)) {
      unmatched++;
      continue;
    }
    const others: PolicyAt[] = matchingPolicies(state, h).filter((p) => p.name !== name);
    const c = compileHost(h.facts, [...others, { name, revision, policy }]);
    matchedHosts.push({
      host: h.name,
      currentVersion: desiredVersionOf(h),
      changes: desiredChanges(h.lastDesired?.state, c.state),
      actualChanges: actualChanges(c.state, h.actual),
      conflicts: c.conflicts.map((x) => `${x.path}: ${x.policies.join(' vs ')}`),
    });
  }
  return { policy: name, matchedHosts, unmatchedHosts: unmatched };
}
