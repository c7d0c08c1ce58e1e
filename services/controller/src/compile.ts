import {
  canonicalJson, checkStateLimits, containsTemplate, contentHash, formatRenderError, policyPools, renderPolicy, resolveMacIdentifiers, resolveNicMatches, routeKey,
  type CapturedStates, type Facts, type PoolAddress, type HostNetworkPolicy, type Interface, type NetworkState, type PolicySource, type Probes, type Route,
} from '@fleetnet/contracts';

/** One policy at one revision, as the compiler sees it. */
export interface PolicyAt {
  name: string;
  revision: number;
  policy: HostNetworkPolicy;
}

export interface CompileConflict {
  /** e.g. interfaces[br0].mtu */
  path: string;
  policies: string[];
}

export interface CompileProblem {
  policy: string;
  path: string;
  message: string;
}

/** A policy that could not be rendered for this host: the host is left untouched. */
export interface RenderProblem {
  policy: string;
  /** the host condition it shows as */
  type: 'CaptureFailed' | 'PoolExhausted' | 'Invalid';
  /** RenderErrorKind (CaptureFailed, PoolMissing, TemplateUnresolved, Invalid, ...) */
  reason: string;
  message: string;
  pool?: string;
}

/**
 * What a policy's `{{ }}` references and `capture` read on one host. `frozen`: captures already
 * published for a policy revision (reused, never evaluated again); `pools`: the host's address from
 * each pool it has one in.
 */
export interface RenderContext {
  host: { name: string; labels: Record<string, string>; facts?: Facts };
  actual?: NetworkState;
  frozen: Record<string, { revision: number; captured: CapturedStates }>;
  pools: Record<string, PoolAddress>;
}

/** Whether a policy needs rendering at all (most do not: they compile as they are). */
export const needsRender = (p: HostNetworkPolicy) => p.spec.capture !== undefined || containsTemplate(p.spec.desiredState);
const usesCapture = (p: HostNetworkPolicy) => p.spec.capture !== undefined && Object.keys(p.spec.capture).length > 0;

/** The desired state of one policy for this host, or why it cannot have one. */
function rendered(p: PolicyAt, ctx: RenderContext | undefined): { state: NetworkState; captured?: CapturedStates } | RenderProblem {
  if (!needsRender(p.policy)) return { state: p.policy.spec.desiredState as NetworkState };
  const frozen = ctx?.frozen[p.name];
  const r = renderPolicy({
    policy: p.policy, current: ctx?.actual, pools: ctx?.pools ?? {},
    ...(ctx ? { host: ctx.host } : {}),
    ...(frozen && frozen.revision === p.revision ? { captured: frozen.captured } : {}),
  });
  if (r.ok) return usesCapture(p.policy) ? { state: r.state, captured: r.captured } : { state: r.state };
  const e = r.errors[0]!;
  const type = e.kind === 'CaptureFailed' ? 'CaptureFailed' : e.kind === 'PoolMissing' ? 'PoolExhausted' : 'Invalid';
  return {
    policy: p.name, type, reason: e.kind, message: r.errors.map(formatRenderError).join('; '),
    ...(e.pool !== undefined ? { pool: e.pool } : {}),
  };
}

export interface Compiled {
  state: NetworkState;
  probes?: Probes;
  enforce?: boolean;
  sources: PolicySource[];
  conflicts: CompileConflict[];
  unresolved: CompileProblem[];
  /** policies not rendered for this host: when any, nothing may be published for it */
  renderFailed: RenderProblem[];
  /** what captures matched, by policy: recorded in the desired version (frozen for that revision) */
  captured: Record<string, { revision: number; captured: CapturedStates }>;
  /** hash of what the agent acts on: state, probes, enforce */
  contentHash: string;
}

interface Candidate<T> {
  value: T;
  priority: number;
  policy: string;
}

/**
 * Picks the value of one property from every policy that sets it: the highest priority wins;
 * equal-priority policies that disagree are a conflict and the property is left out entirely,
 * so the host keeps what it has rather than a silently chosen winner's value.
 */
function pick<T>(path: string, cands: Candidate<T>[], conflicts: CompileConflict[]): T | undefined {
  if (!cands.length) return undefined;
  const top = Math.max(...cands.map((c) => c.priority));
  const best = cands.filter((c) => c.priority === top);
  const distinct = new Set(best.map((c) => canonicalJson(c.value)));
  if (distinct.size > 1) {
    conflicts.push({ path, policies: [...new Set(best.map((c) => c.policy))].sort() });
    return undefined;
  }
  return best[0]!.value;
}

type Bag<T> = Map<string, Candidate<T>[]>;
const add = <T>(bag: Bag<T>, key: string, c: Candidate<T>) => {
  const list = bag.get(key);
  if (list) list.push(c);
  else bag.set(key, [c]);
};

/**
 * A host's desired state from the policies that select it (already filtered by selector and
 * gated by rollouts). Interfaces merge property by property (keyed by name after NIC matches are
 * resolved against the host's inventory), routes by their identity, DNS by field.
 */
export function compileHost(facts: Facts | undefined, policies: readonly PolicyAt[], ctx?: RenderContext): Compiled {
  const conflicts: CompileConflict[] = [];
  const unresolved: CompileProblem[] = [];
  const renderFailed: RenderProblem[] = [];
  const captured: Compiled['captured'] = {};
  const ifaceOrder: string[] = [];
  const ifaceProps = new Map<string, Bag<unknown>>();
  const routes: Bag<Route> = new Map();
  const routeOrder: string[] = [];
  const dns: Bag<string[]> = new Map();
  const probes: Bag<unknown> = new Map();
  let enforce: boolean | undefined;
  const sorted = [...policies].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  for (const p of sorted) {
    const priority = p.policy.spec.priority ?? 0;
    const r = rendered(p, ctx);
    if ('type' in r) {
      renderFailed.push(r);
      continue;
    }
    if (r.captured) captured[p.name] = { revision: p.revision, captured: r.captured };
    const matched = resolveNicMatches(r.state as HostNetworkPolicy['spec']['desiredState'], facts?.nics ?? [], ['spec', 'desiredState']);
    // identifier: mac-address → the inventory's name, so policies merge by kernel name; a MAC the inventory lacks is left to the agent
    const { state, errors } = resolveMacIdentifiers(matched.state, facts?.nics ?? [], { at: ['spec', 'desiredState'], strict: false });
    for (const e of [...matched.errors, ...errors]) unresolved.push({ policy: p.name, path: e.path, message: e.message });
    // resolveNicMatches already drops an interface whose match found no NIC: it is reported, not applied.
    const ifaces = state.interfaces ?? [];
    for (const iface of ifaces) {
      if (!ifaceProps.has(iface.name)) {
        ifaceProps.set(iface.name, new Map());
        ifaceOrder.push(iface.name);
      }
      const bag = ifaceProps.get(iface.name)!;
      for (const [k, v] of Object.entries(iface)) {
        if (k === 'name' || v === undefined) continue;
        add(bag, k, { value: v, priority, policy: p.name });
      }
    }
    for (const r of state.routes?.config ?? []) {
      const key = routeKey(r);
      if (!routes.has(key)) routeOrder.push(key);
      add(routes, key, { value: r, priority, policy: p.name });
    }
    const dnsCfg = state['dns-resolver']?.config;
    if (dnsCfg?.server) add(dns, 'server', { value: dnsCfg.server, priority, policy: p.name });
    if (dnsCfg?.search) add(dns, 'search', { value: dnsCfg.search, priority, policy: p.name });
    for (const [k, v] of Object.entries(p.policy.spec.probes ?? {})) if (v !== undefined) add(probes, k, { value: v, priority, policy: p.name });
    if (p.policy.spec.enforce !== undefined) enforce = (enforce ?? false) || p.policy.spec.enforce;
  }

  const state: NetworkState = {};
  if (ifaceOrder.length) {
    state.interfaces = ifaceOrder.map((name) => {
      const out: Record<string, unknown> = { name };
      for (const [k, cands] of ifaceProps.get(name)!) {
        const v = pick(`interfaces[${name}].${k}`, cands, conflicts);
        if (v !== undefined) out[k] = v;
      }
      return out as Interface;
    });
  }
  if (routeOrder.length) {
    const config: Route[] = [];
    for (const key of routeOrder) {
      const v = pick(`routes[${key}]`, routes.get(key)!, conflicts);
      if (v) config.push(v);
    }
    state.routes = { config };
  }
  if (dns.size) {
    const config: { server?: string[]; search?: string[] } = {};
    const server = dns.get('server') && pick('dns-resolver.server', dns.get('server')!, conflicts);
    const search = dns.get('search') && pick('dns-resolver.search', dns.get('search')!, conflicts);
    if (server) config.server = server;
    if (search) config.search = search;
    state['dns-resolver'] = { config };
  }
  let mergedProbes: Probes | undefined;
  if (probes.size) {
    const out: Record<string, unknown> = {};
    for (const [k, cands] of probes) {
      const v = pick(`probes.${k}`, cands, conflicts);
      if (v !== undefined) out[k] = v;
    }
    mergedProbes = out as Probes;
  }
  const sources = sorted.map((p) => ({ policy: p.name, revision: p.revision }));
  // Policies within their own limits may add up to more than one host may hold: nothing is published
  // for it (the bus would not carry it, or the agent's reports of it), and the host says why.
  const over = checkStateLimits(state, `the desired state of this host (all its policies together)`);
  if (over) {
    renderFailed.push({
      policy: sorted.map((p) => p.name).join(', '), type: 'Invalid', reason: 'TooLarge',
      message: `${over.path ? `${over.path}: ` : ''}${over.message}`,
    });
  }
  const result: Compiled = { state, sources, conflicts, unresolved, renderFailed, captured, contentHash: '' };
  if (mergedProbes) result.probes = mergedProbes;
  if (enforce !== undefined) result.enforce = enforce;
  result.contentHash = desiredContentHash(result);
  return result;
}

/** The hash that decides whether a new version is needed: only what the agent acts on. */
export const desiredContentHash = (d: { state: NetworkState; probes?: Probes | undefined; enforce?: boolean | undefined }) =>
  contentHash({ state: d.state, probes: d.probes ?? null, enforce: d.enforce ?? null });

export const sameSources = (a: readonly PolicySource[], b: readonly PolicySource[]) =>
  a.length === b.length && a.every((s, i) => s.policy === b[i]!.policy && s.revision === b[i]!.revision);

/**
 * compileHost with the last results per host remembered: a host whose facts object and policy
 * revisions (the very same immutable objects) are unchanged compiles to the same result, so the
 * reconciler does not recompile (canonical JSON + SHA-256) every host on every report it folds.
 */
export class CompileMemo {
  private readonly last = new Map<string, { facts: Facts | undefined; policies: readonly PolicyAt[]; result: Compiled }[]>();

  compile(host: string, facts: Facts | undefined, policies: readonly PolicyAt[], ctx?: RenderContext): Compiled {
    // Rendered policies read the host's actual state, labels and pools: compiled every time (few hosts have them).
    if (policies.some((p) => needsRender(p.policy))) return compileHost(facts, policies, ctx);
    const entries = this.last.get(host) ?? [];
    const hit = entries.find((e) => e.facts === facts && e.policies.length === policies.length
      && e.policies.every((p, i) => p.name === policies[i]!.name && p.revision === policies[i]!.revision && p.policy === policies[i]!.policy));
    if (hit) return hit.result;
    const result = compileHost(facts, policies);
    // two per host: the rolled-out target and the one the rollout gate allows now
    this.last.set(host, [{ facts, policies: [...policies], result }, ...entries].slice(0, 2));
    return result;
  }
}
