import {
  HostPhases, validatePolicy,
  type ApiRequest, type ApiResponse, type EventSummary, type HostNetworkPolicy, type HostView,
} from '@fleetnet/contracts';
import { compileHost, type PolicyAt } from '../compile.ts';
import { desiredVersionOf, isRetired, type HostBase, type Projection } from '../projection/state.ts';
import { historyOf, matchingPolicies } from '../projection/views.ts';
import { renderContext } from '../projection/render-context.ts';
import { matchesSelector, parseSelector, SelectorSyntaxError } from '@fleetnet/contracts';
import { actualChanges, desiredChanges } from './changes.ts';
import { ApiFailure } from './errors.ts';
import { servedRollout, SERVED_ROLLOUT_BYTES } from '../projection/rollout-view.ts';

/** Items per page when the request names no limit (kubectl's default chunk size). */
export const DEFAULT_PAGE = 500;
/** The NATS default max_payload, for callers that do not know the server's. */
export const DEFAULT_REPLY_BYTES = 1024 * 1024;
/** Room left in a page for `total`, `continue` and the braces around the items. */
const PAGE_RESERVE = 2048;

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

const encodeContinue = (after: string) => Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');

function decodeContinue(token: string): string {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof v?.after === 'string' && v.after) return v.after;
  } catch {
    // fall through
  }
  throw new ApiFailure('BAD_REQUEST', 'invalid continue token: pass back the "continue" of the previous page unchanged', [{ path: 'continue', message: 'not a token this API issued' }]);
}

interface PageRequest {
  limit?: number | undefined;
  continue?: string | undefined;
}

/**
 * One page of a list sorted by name: items after the continue token's name (so a page boundary
 * holds while items are added or removed), at most `limit`, and never more bytes than `maxBytes`
 * (a reply must fit in one NATS message). A single item is served even when it alone is bigger:
 * the transport then answers with an error naming the size, rather than paging forever.
 */
export function pageOf<T>(
  names: readonly string[], item: (name: string) => T, req: PageRequest, maxBytes = DEFAULT_REPLY_BYTES,
): { items: T[]; total: number; continue?: string } {
  const after = req.continue === undefined ? undefined : decodeContinue(req.continue);
  let start = 0;
  if (after !== undefined) {
    let lo = 0;
    let hi = names.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (names[mid]! <= after) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const limit = req.limit ?? DEFAULT_PAGE;
  const budget = Math.max(1, maxBytes - PAGE_RESERVE);
  const items: T[] = [];
  let bytes = 0;
  let i = start;
  for (; i < names.length && items.length < limit; i++) {
    const it = item(names[i]!);
    const size = Buffer.byteLength(JSON.stringify(it)) + 1;
    if (items.length && bytes + size > budget) break;
    bytes += size;
    items.push(it);
  }
  const out: { items: T[]; total: number; continue?: string } = { items, total: names.length };
  if (i < names.length) out.continue = encodeContinue(names[i - 1]!);
  return out;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function listHosts(
  state: Projection, req: ApiRequest<'hosts.list'>, live: (v: HostView) => HostView, maxBytes = DEFAULT_REPLY_BYTES,
): ApiResponse<'hosts.list'> {
  const sel = selectorOf(req.selector);
  if (req.phase !== undefined && !(HostPhases as readonly string[]).includes(req.phase)) {
    throw new ApiFailure('BAD_REQUEST', `unknown phase "${req.phase}"; one of ${HostPhases.join(', ')}`, [{ path: 'phase', message: 'unknown phase' }]);
  }
  const names = Object.keys(state.views.hosts).sort(byName)
    .filter((n) => {
      const v = state.views.hosts[n]!;
      return matchesSelector(sel, v.labels) && (req.phase === undefined || v.phase === req.phase);
    });
  return pageOf(names, (n) => live(state.views.hosts[n]!), req, maxBytes);
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

export function listPolicies(state: Projection, req: ApiRequest<'policies.list'>, maxBytes = DEFAULT_REPLY_BYTES): ApiResponse<'policies.list'> {
  const sel = selectorOf(req.selector);
  const names = Object.keys(state.views.policies).sort(byName).filter((n) => {
    const p = state.views.policies[n]!;
    return !p.deleted && matchesSelector(sel, p.policy.metadata.labels ?? {});
  });
  return pageOf(names, (n) => state.views.policies[n]!, req, maxBytes);
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

/** Every rollout, a page at a time; each served as rollouts.get serves it (its per-host list cut past a few thousand hosts). */
export function listRollouts(state: Projection, req: ApiRequest<'rollouts.list'> = {}, maxBytes = DEFAULT_REPLY_BYTES): ApiResponse<'rollouts.list'> {
  const names = Object.keys(state.views.rollouts).sort(byName);
  const budget = Math.min(SERVED_ROLLOUT_BYTES, Math.floor((maxBytes - PAGE_RESERVE) * 0.9));
  return pageOf(names, (n) => servedRollout(state.views.rollouts[n]!, budget), req, maxBytes);
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
    const c = compileHost(h.facts, [...others, { name, revision, policy }], renderContext(state, h));
    matchedHosts.push({
      host: h.name,
      currentVersion: desiredVersionOf(h),
      changes: desiredChanges(h.lastDesired?.state, c.state),
      actualChanges: actualChanges(c.state, h.actual),
      // a policy this host cannot render (a capture that matches nothing, no pool address yet) is left out of `changes`
      conflicts: [...c.conflicts.map((x) => `${x.path}: ${x.policies.join(' vs ')}`), ...c.renderFailed.map((f) => `${f.type}: policy ${f.policy}: ${f.message}`)],
    });
  }
  return { policy: name, matchedHosts, unmatchedHosts: unmatched };
}
