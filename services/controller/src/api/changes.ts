import { canonicalJson, routeKey, routeMatches, type Change, type Interface, type NetworkState, type Route } from '@fleetnet/contracts';

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const change = (op: Change['op'], path: string, from?: unknown, to?: unknown): Change => {
  const c: Change = { op, path };
  if (from !== undefined) c.from = from;
  if (to !== undefined) c.to = to;
  return c;
};

function byName(state: NetworkState | undefined): Map<string, Interface> {
  return new Map((state?.interfaces ?? []).map((i) => [i.name, i]));
}

/** Desired vs desired (what a new version would change), property by property, like `terraform plan`. */
export function desiredChanges(from: NetworkState | undefined, to: NetworkState): Change[] {
  const out: Change[] = [];
  const a = byName(from);
  const b = byName(to);
  for (const [name, iface] of b) {
    const old = a.get(name);
    if (!old) {
      out.push(change('add', `interfaces[${name}]`, undefined, iface));
      continue;
    }
    const keys = new Set([...Object.keys(old), ...Object.keys(iface)]);
    for (const k of [...keys].sort()) {
      const x = (old as Record<string, unknown>)[k];
      const y = (iface as Record<string, unknown>)[k];
      if (same(x, y)) continue;
      out.push(change(x === undefined ? 'add' : y === undefined ? 'remove' : 'modify', `interfaces[${name}].${k}`, x, y));
    }
  }
  for (const [name, iface] of a) if (!b.has(name)) out.push(change('remove', `interfaces[${name}]`, iface));
  const ra = new Map((from?.routes?.config ?? []).map((r) => [routeKey(r), r]));
  const rb = new Map((to.routes?.config ?? []).map((r) => [routeKey(r), r]));
  for (const [k, r] of rb) {
    const old = ra.get(k);
    if (!old) out.push(change('add', `routes[${k}]`, undefined, r));
    else if (!same(old, r)) out.push(change('modify', `routes[${k}]`, old, r));
  }
  for (const [k, r] of ra) if (!rb.has(k)) out.push(change('remove', `routes[${k}]`, r));
  for (const f of ['server', 'search'] as const) {
    const x = from?.['dns-resolver']?.config?.[f];
    const y = to['dns-resolver']?.config?.[f];
    if (!same(x, y)) out.push(change(x === undefined ? 'add' : y === undefined ? 'remove' : 'modify', `dns-resolver.${f}`, x, y));
  }
  return out;
}

const REPORTED_ONLY = new Set(['name', 'fleetnet.io/match', 'fleetnet.io/pci', 'controller']);

/**
 * Desired vs the host's last reported actual state: only what the desired state names counts
 * (nmstate's partial semantics), so unnamed interfaces and kernel defaults never show up.
 */
export function actualChanges(desired: NetworkState, actual: NetworkState | undefined): Change[] {
  const out: Change[] = [];
  const have = byName(actual);
  for (const d of desired.interfaces ?? []) {
    const a = have.get(d.name);
    if (d.state === 'absent') {
      if (a) out.push(change('remove', `interfaces[${d.name}]`, a));
      continue;
    }
    if (!a) {
      out.push(change('add', `interfaces[${d.name}]`, undefined, d));
      continue;
    }
    for (const [k, v] of Object.entries(d)) {
      if (REPORTED_ONLY.has(k) || v === undefined) continue;
      const x = (a as Record<string, unknown>)[k];
      if (!same(x, v)) out.push(change(x === undefined ? 'add' : 'modify', `interfaces[${d.name}].${k}`, x, v));
    }
  }
  const routes: Route[] = actual?.routes?.config ?? [];
  for (const r of desired.routes?.config ?? []) {
    const present = routes.some((x) => routeMatches(r, x));
    if (r.state === 'absent' && present) out.push(change('remove', `routes[${routeKey(r)}]`, r));
    if (r.state !== 'absent' && !present) out.push(change('add', `routes[${routeKey(r)}]`, undefined, r));
  }
  for (const f of ['server', 'search'] as const) {
    const y = desired['dns-resolver']?.config?.[f];
    const x = actual?.['dns-resolver']?.config?.[f];
    if (y !== undefined && !same(x, y)) out.push(change(x === undefined ? 'add' : 'modify', `dns-resolver.${f}`, x, y));
  }
  return out;
}
