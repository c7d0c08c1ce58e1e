import { canonicalJson, routeKey, type Change, type NetworkState } from '@fleetnet/contracts';

/**
 * What changes between two desired states, as the plan API reports it (`interfaces[br0].mtu`):
 * interfaces keyed by name and routes by identity, so reordering a list is not a change.
 */
export function diffStates(from: NetworkState, to: NetworkState): Change[] {
  const out: Change[] = [];
  const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

  const walk = (path: string, a: unknown, b: unknown) => {
    if (same(a, b)) return;
    if (a === undefined) return void out.push({ op: 'add', path, to: b });
    if (b === undefined) return void out.push({ op: 'remove', path, from: a });
    const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (isObj(a) && isObj(b)) {
      const ao = a as Record<string, unknown>;
      const bo = b as Record<string, unknown>;
      for (const k of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) walk(`${path}.${k}`, ao[k], bo[k]);
      return;
    }
    out.push({ op: 'modify', path, from: a, to: b });
  };

  const keyed = <T>(prefix: string, a: readonly T[], b: readonly T[], key: (x: T) => string) => {
    const am = new Map(a.map((x) => [key(x), x]));
    const bm = new Map(b.map((x) => [key(x), x]));
    for (const k of [...new Set([...am.keys(), ...bm.keys()])]) walk(`${prefix}[${k}]`, am.get(k), bm.get(k));
  };

  keyed('interfaces', from.interfaces ?? [], to.interfaces ?? [], (i) => i.name);
  keyed('routes', from.routes?.config ?? [], to.routes?.config ?? [], routeKey);
  walk('dns-resolver.config', from['dns-resolver']?.config, to['dns-resolver']?.config);
  return out;
}
