import type { Interface, NetworkState, Route, RouteRule } from '@fleetnet/contracts';
import { canonicalJson, isLinkLocal, LINUX_CREATABLE, OVS_TYPES, routeKey } from '@fleetnet/contracts';
import { STAGES, type Backend, type BackendPlan, type Operation, type OperationBase, type PlanContext, type PlanError } from './backend.ts';

const REMOVABLE = new Set([...LINUX_CREATABLE, ...OVS_TYPES]);

export interface Plan<Op extends OperationBase = Operation> {
  operations: Op[];
  errors: PlanError[];
  /** the desired state the backends planned for (with the removals of what fleetnet created and no longer wants) */
  desired: NetworkState;
}

/** Stable order by stage: within a stage each backend's own order (lower layers first) is kept. */
export function orderByStage<Op extends OperationBase>(ops: Op[]): Op[] {
  return ops
    .map((o, i) => ({ o, i }))
    .sort((x, y) => STAGES.indexOf(x.o.stage) - STAGES.indexOf(y.o.stage) || x.i - y.i)
    .map((x) => x.o);
}

/**
 * Partial editing: interfaces the desired state does not name are left alone, except those fleetnet
 * created earlier, which are removed (deleting a policy reverts what it made). The peer of a named
 * veth counts as named: removing it would remove the named end too.
 */
export function withCreatedRemovals(desired: NetworkState, actual: NetworkState, created: ReadonlySet<string>): NetworkState {
  const named = new Set<string>();
  const actualPeer = new Map((actual.interfaces ?? []).map((i) => [i.name, i.veth?.peer]));
  for (const i of desired.interfaces ?? []) {
    named.add(i.name);
    // an existing veth may be named without its veth block (nmstate): its peer is the kernel's
    const peer = i.veth?.peer ?? actualPeer.get(i.name);
    if (peer && i.state !== 'absent') named.add(peer);
  }
  const actualTypes = new Map((actual.interfaces ?? []).map((i) => [i.name, i.type]));
  const extra: Interface[] = [...created]
    .filter((n) => !named.has(n) && actualTypes.has(n) && REMOVABLE.has(actualTypes.get(n) ?? ''))
    .sort()
    .map((name) => ({ name, state: 'absent' }));
  if (!extra.length) return desired;
  return { ...desired, interfaces: [...(desired.interfaces ?? []), ...extra] };
}

/** Pure: every backend's plan for `desired`, merged and ordered by stage. */
export function planAll<Op extends OperationBase = Operation>(
  backends: Pick<Backend<Op>, 'name' | 'plan'>[],
  desired: NetworkState,
  actual: NetworkState,
  ctx: PlanContext,
  opts: { removeCreated?: boolean } = {},
): Plan<Op> {
  const target = opts.removeCreated === false ? desired : withCreatedRemovals(desired, actual, ctx.created);
  const plans: BackendPlan<Op>[] = backends.map((b) => b.plan(target, actual, ctx));
  return {
    operations: orderByStage(plans.flatMap((p) => p.operations)),
    errors: plans.flatMap((p) => p.errors),
    desired: target,
  };
}

/**
 * After a successful apply: what fleetnet created so far and still exists. Only interfaces the
 * desired state names (or the peers of its veths) count: a device that appeared as a side effect
 * (OVS's `ovs-netdev`, something another tool made meanwhile) is not ours to remove later.
 */
export function nextCreated(created: ReadonlySet<string>, before: NetworkState, after: NetworkState, desired: NetworkState): string[] {
  const had = new Set((before.interfaces ?? []).map((i) => i.name));
  const has = new Set((after.interfaces ?? []).map((i) => i.name));
  const named = new Set<string>();
  for (const i of desired.interfaces ?? []) {
    if (i.state === 'absent') continue;
    named.add(i.name);
    if (i.veth?.peer) named.add(i.veth.peer);
  }
  const appeared = [...has].filter((n) => !had.has(n) && named.has(n));
  return [...new Set([...created, ...appeared])].filter((n) => has.has(n)).sort();
}

/** An interface as it was, as a desired entry: only what can be configured, not what the kernel derives. */
function restoreEntry(i: Interface): Interface {
  const out: Interface = { ...i };
  delete out.controller;
  delete out['fleetnet.io/pci'];
  // not reported when off (the default): restore it explicitly, like forwarding
  out['accept-all-mac-addresses'] = i['accept-all-mac-addresses'] ?? false;
  // the same for LLDP; its neighbours are reported only
  out.lldp = { enabled: i.lldp?.enabled ?? false };
  for (const fam of ['ipv4', 'ipv6'] as const) {
    const cfg = out[fam];
    if (!cfg) continue;
    out[fam] = {
      ...(cfg.enabled === false ? { enabled: false } : {}),
      // a lease is restored by its client (started again when the apply had stopped it), not as static addresses
      ...(cfg.dhcp ? { dhcp: true } : {}),
      // off is the kernel's default and is not reported: restore it explicitly
      ...(fam === 'ipv4' ? { forwarding: i.ipv4?.forwarding ?? false } : {}),
      // SLAAC's sysctls as they were (read for every interface, linux/ipv6-auto.ts; set by host/slaac.ts)
      ...(fam === 'ipv6' && cfg.autoconf !== undefined
        ? { autoconf: cfg.autoconf, ...(cfg.autoconf ? { 'auto-gateway': cfg['auto-gateway'], 'auto-routes': cfg['auto-routes'] } : {}) }
        : {}),
      // a leased address comes back with its lease, not as a static one
      address: (cfg.address ?? []).filter((a) => !isLinkLocal(a.ip) && !a['fleetnet.io/dynamic']).map((a) => ({ ip: a.ip, 'prefix-length': a['prefix-length'] })),
    };
  }
  return out;
}

const exactRouteKey = (r: Route) => `${routeKey(r)} ${r.metric ?? 0} ${r.source ?? '-'} ${r.cwnd ?? '-'}`;

/**
 * Pure: the desired state that takes the host from `now` back to `before` (the checkpoint): every
 * interface that differs is restored as it was, interfaces that appeared are removed, routes that
 * appeared are deleted and routes that went are added again, DNS as it was.
 */
export function rollbackDesired(before: NetworkState, now: NetworkState): NetworkState {
  const b = new Map((before.interfaces ?? []).map((i) => [i.name, i]));
  const n = new Map((now.interfaces ?? []).map((i) => [i.name, i]));
  const interfaces: Interface[] = [];
  for (const [name, bi] of b) {
    const ni = n.get(name);
    if (!ni || canonicalJson(restoreEntry(bi)) !== canonicalJson(restoreEntry(ni))) interfaces.push(restoreEntry(bi));
  }
  for (const [name, ni] of n) {
    if (!b.has(name) && ni.type && REMOVABLE.has(ni.type)) interfaces.push({ name, state: 'absent' });
  }
  // a lease's and a router advertisement's routes come back with them (see restoreEntry), never as static ones
  const configured = (routes: Route[] | undefined) => (routes ?? []).filter((r) => !r['fleetnet.io/dynamic']);
  const bRoutes = new Map(configured(before.routes?.config).map((r) => [exactRouteKey(r), r]));
  const nRoutes = new Map(configured(now.routes?.config).map((r) => [exactRouteKey(r), r]));
  const routes: Route[] = [
    ...[...nRoutes].filter(([k]) => !bRoutes.has(k)).map(([, r]) => ({ ...r, state: 'absent' as const })),
    ...[...bRoutes].filter(([k]) => !nRoutes.has(k)).map(([, r]) => r),
  ];
  const out: NetworkState = { interfaces, routes: { config: routes } };
  const dns = before['dns-resolver']?.config;
  if (dns && canonicalJson(dns) !== canonicalJson(now['dns-resolver']?.config ?? {})) out['dns-resolver'] = { config: dns };
  const bRules = new Map((before['route-rules']?.config ?? []).map((r) => [canonicalJson(r), r]));
  const nRules = new Map((now['route-rules']?.config ?? []).map((r) => [canonicalJson(r), r]));
  const rules: RouteRule[] = [
    ...[...nRules].filter(([k]) => !bRules.has(k)).map(([, r]) => ({ ...r, state: 'absent' as const })),
    ...[...bRules].filter(([k]) => !nRules.has(k)).map(([, r]) => r),
  ];
  if (rules.length) out['route-rules'] = { config: rules };
  if (before.hostname && canonicalJson(before.hostname) !== canonicalJson(now.hostname ?? {})) out.hostname = before.hostname;
  return out;
}
