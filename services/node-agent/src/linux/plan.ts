import type { Interface, InterfaceType, IpConfig, NetworkState, Route } from '@fleetnet/contracts';
import { ipFamily, isLinkLocal, networkAddress, normalizeDestination, normalizeIp, routeKey, routeMatches, MAIN_TABLE } from '@fleetnet/contracts';
import type { BackendPlan, Operation, PlanContext, PlanError, Stage } from '../backend.ts';

/** Link types the linux backend creates and removes. */
export const LINUX_CREATABLE: ReadonlySet<string> = new Set(['veth', 'bond', 'vlan', 'linux-bridge', 'macvlan', 'vxlan', 'dummy']);
const OVS_TYPES: ReadonlySet<string> = new Set(['ovs-bridge', 'ovs-interface']);

type LinuxOp = Extract<Operation, { backend: 'linux' }>;

const op = (stage: Stage, target: string, line: string): LinuxOp => ({
  backend: 'linux', tool: 'ip', stage, target, line, description: `ip ${line}`,
});

const hasLinuxProps = (d: Interface) =>
  d.mtu !== undefined || d['mac-address'] !== undefined || d.ipv4 !== undefined || d.ipv6 !== undefined || d.state !== undefined;

/** Interfaces below `i` in the stack: what must exist before it and be removed after it. */
function ownLowers(i: Interface): string[] {
  const out: string[] = [];
  if (i.vlan) out.push(i.vlan['base-iface']);
  if (i.macvlan) out.push(i.macvlan['base-iface']);
  if (i.vxlan?.['base-iface']) out.push(i.vxlan['base-iface']);
  if (i.type === 'linux-bridge') out.push(...(i.bridge?.port ?? []).map((p) => p.name));
  if (i.type === 'bond') out.push(...(i['link-aggregation']?.port ?? []));
  return out;
}

/** Must the existing link be deleted and added again to reach `d`? (the kernel cannot change these in place) */
function needsRecreate(d: Interface, a: Interface): boolean {
  if (d.veth && a.veth && a.veth.peer !== d.veth.peer) return true;
  if (d.macvlan && (d.macvlan['base-iface'] !== a.macvlan?.['base-iface'] || d.macvlan.mode !== a.macvlan?.mode)) return true;
  if (d.vlan && (d.vlan['base-iface'] !== a.vlan?.['base-iface'] || d.vlan.id !== a.vlan?.id)) return true;
  if (d.vxlan) {
    const dv = d.vxlan;
    const av = a.vxlan;
    if (!av || dv.id !== av.id) return true;
    if (dv.remote !== undefined && normalizeIp(dv.remote) !== av.remote) return true;
    if (dv.local !== undefined && normalizeIp(dv.local) !== av.local) return true;
    if (dv['base-iface'] !== undefined && dv['base-iface'] !== av['base-iface']) return true;
    if (dv['destination-port'] !== undefined && dv['destination-port'] !== av['destination-port']) return true;
  }
  if (d['link-aggregation'] && d['link-aggregation'].mode !== a['link-aggregation']?.mode) return true;
  return false;
}

function createLine(d: Interface): string {
  const n = d.name;
  switch (d.type) {
    case 'veth':
      return `link add ${n} type veth peer name ${d.veth!.peer}`;
    case 'linux-bridge': {
      const o = d.bridge?.options;
      let line = `link add ${n} type bridge`;
      if (o?.stp?.enabled !== undefined) line += ` stp_state ${o.stp.enabled ? 1 : 0}`;
      if (o?.['vlan-filtering'] !== undefined) line += ` vlan_filtering ${o['vlan-filtering'] ? 1 : 0}`;
      return line;
    }
    case 'macvlan':
      return `link add ${n} link ${d.macvlan!['base-iface']} type macvlan mode ${d.macvlan!.mode}`;
    case 'vlan':
      return `link add ${n} link ${d.vlan!['base-iface']} type vlan id ${d.vlan!.id}`;
    case 'vxlan': {
      const v = d.vxlan!;
      let line = `link add ${n} type vxlan id ${v.id}`;
      if (v.remote) line += ` remote ${v.remote}`;
      if (v.local) line += ` local ${v.local}`;
      if (v['base-iface']) line += ` dev ${v['base-iface']}`;
      // iproute2 warns and the kernel picks the IANA port when none is given; say it explicitly.
      line += ` dstport ${v['destination-port'] ?? 4789}`;
      return line;
    }
    case 'bond':
      return `link add ${n} type bond mode ${d['link-aggregation']?.mode ?? 'balance-rr'}`;
    case 'dummy':
      return `link add ${n} type dummy`;
    default:
      throw new Error(`cannot create type ${d.type}`);
  }
}

function routeLine(verb: 'replace' | 'del', r: Route): string {
  let line = `route ${verb} ${normalizeDestination(r.destination)}`;
  if (r['next-hop-address']) line += ` via ${r['next-hop-address']}`;
  if (r['next-hop-interface']) line += ` dev ${r['next-hop-interface']}`;
  if (r.metric !== undefined) line += ` metric ${r.metric}`;
  const table = r['table-id'] ?? MAIN_TABLE;
  if (table !== MAIN_TABLE) line += ` table ${table}`;
  return line;
}

const addrKey = (a: { ip: string; 'prefix-length': number }) => `${normalizeIp(a.ip)}/${a['prefix-length']}`;

/**
 * Pure: the Linux operations that take `actual` to `desired` for what this backend owns (links it can
 * create, and for every interface mtu, mac, addresses, admin state, bridge membership and STP; routes).
 * Removals run upper layers first, creations lower layers first, configuration lower layers first.
 */
export function planLinux(desired: NetworkState, actual: NetworkState, ctx: PlanContext): BackendPlan {
  const errors: PlanError[] = [];
  const actualByName = new Map((actual.interfaces ?? []).map((i) => [i.name, i]));
  const kernel = ctx.kernelInterfaces ?? new Set(actualByName.keys());
  const desiredList = desired.interfaces ?? [];
  const index = new Map(desiredList.map((d, i) => [d.name, i]));
  const at = (name: string, field?: string) => `interfaces[${index.get(name)}]${field ? `.${field}` : ''}`;
  const present = new Map(desiredList.filter((d) => d.state !== 'absent').map((d) => [d.name, d]));

  const remove = new Set<string>();
  const create = new Map<string, Interface>();
  /** interfaces the linux backend configures (mtu, addresses, state...) */
  const configure: Interface[] = [];
  const fresh = new Set<string>();

  for (const d of desiredList) {
    const a = actualByName.get(d.name);
    const inKernel = kernel.has(d.name);
    if (d.state === 'absent') {
      if (!a) continue;
      if (a.type && LINUX_CREATABLE.has(a.type)) remove.add(d.name);
      else if (!a.type || !OVS_TYPES.has(a.type)) {
        errors.push({ path: at(d.name, 'state'), message: `cannot remove ${a.type ?? 'unknown'} interface "${d.name}": only interfaces fleetnet can create (${[...LINUX_CREATABLE].join(', ')}) may be absent` });
      }
      continue;
    }
    const type = d.type ?? a?.type;
    if (!a || (!inKernel && type !== undefined && !OVS_TYPES.has(type) && type !== 'ethernet')) {
      if (!type) {
        errors.push({ path: at(d.name), message: `interface "${d.name}" does not exist; set "type" to create it` });
        continue;
      }
      if (OVS_TYPES.has(type)) {
        // Open vSwitch creates it in the ovs stage; linux configures it afterwards.
        configure.push(d);
        fresh.add(d.name);
        continue;
      }
      if (type === 'ethernet') {
        if (hasLinuxProps(d)) errors.push({ path: at(d.name), message: `no ethernet device "${d.name}" on this host` });
        continue;
      }
      if (!LINUX_CREATABLE.has(type)) {
        errors.push({ path: at(d.name, 'type'), message: `interfaces of type ${type} cannot be created; the agent creates ${[...LINUX_CREATABLE, ...OVS_TYPES].join(', ')}` });
        continue;
      }
      create.set(d.name, d);
      configure.push(d);
      fresh.add(d.name);
      continue;
    }
    if (type === 'ethernet' && !inKernel) {
      if (hasLinuxProps(d)) errors.push({ path: at(d.name), message: `"${d.name}" is seen in sysfs but is not a link in the kernel here: state, mtu, mac and addresses cannot be set` });
      continue;
    }
    if (d.type && a.type && d.type !== a.type) {
      if (LINUX_CREATABLE.has(a.type) && LINUX_CREATABLE.has(d.type)) {
        remove.add(d.name);
        create.set(d.name, d);
        fresh.add(d.name);
      } else if (!(OVS_TYPES.has(d.type) && (OVS_TYPES.has(a.type) || a.type === 'tun'))) {
        errors.push({ path: at(d.name, 'type'), message: `"${d.name}" is a ${a.type} interface; it cannot become ${d.type} (remove it first with state: absent)` });
        continue;
      }
    } else if (a.type && LINUX_CREATABLE.has(a.type) && needsRecreate(d, a)) {
      remove.add(d.name);
      create.set(d.name, { ...d, type: d.type ?? (a.type as InterfaceType) });
      fresh.add(d.name);
    }
    configure.push(d);
  }

  // Section checks the schema cannot make: what a new link needs.
  for (const [name, d] of create) {
    const reason = d.type ? ctx.unsupportedTypes?.[d.type] : undefined;
    if (reason) errors.push({ path: at(name, 'type'), message: `cannot create ${d.type} "${name}": ${reason}` });
    if (d.type === 'veth' && !d.veth) errors.push({ path: at(name, 'veth'), message: 'a new veth needs veth.peer' });
    if (d.type === 'macvlan' && !d.macvlan) errors.push({ path: at(name, 'macvlan'), message: 'a new macvlan needs macvlan.base-iface and mode' });
    if (d.type === 'vlan' && !d.vlan) errors.push({ path: at(name, 'vlan'), message: 'a new vlan needs vlan.base-iface and id' });
    if (d.type === 'vxlan' && !d.vxlan) errors.push({ path: at(name, 'vxlan'), message: 'a new vxlan needs vxlan.id' });
  }

  // A veth pair is one kernel object: create it once, remove it once.
  const createdPeers = new Map<string, string>();
  for (const [name, d] of [...create]) {
    const peer = d.veth?.peer;
    if (d.type !== 'veth' || !peer) continue;
    if (createdPeers.has(name)) {
      create.delete(name);
      continue;
    }
    const pd = present.get(peer);
    if (pd && pd.type === 'veth' && pd.veth && pd.veth.peer !== name) {
      errors.push({ path: at(peer, 'veth.peer'), message: `"${peer}" is the peer of "${name}" but names "${pd.veth.peer}" as its own peer` });
    }
    const existing = actualByName.get(peer);
    if (existing && !remove.has(peer)) {
      errors.push({ path: at(name, 'veth.peer'), message: `cannot create veth "${name}": its peer name "${peer}" is already taken by a ${existing.type ?? 'unknown'} interface` });
    }
    createdPeers.set(peer, name);
    fresh.add(peer);
    if (create.has(peer)) create.delete(peer);
  }
  for (const name of [...remove]) {
    const peer = actualByName.get(name)?.veth?.peer;
    if (peer && remove.has(peer) && name > peer) remove.delete(name);
  }

  const existsAfter = (n: string) =>
    (actualByName.has(n) && kernel.has(n) && (!remove.has(n) || create.has(n) || createdPeers.has(n))) ||
    create.has(n) || createdPeers.has(n) || (present.has(n) && OVS_TYPES.has(present.get(n)!.type ?? ''));

  // Lower layers a new or changed interface builds on must exist once the plan ran.
  for (const d of configure) {
    const src = present.get(d.name) ?? d;
    for (const lower of ownLowers(src)) {
      if (!existsAfter(lower)) {
        const field = src.vlan ? 'vlan.base-iface' : src.macvlan ? 'macvlan.base-iface' : src.vxlan ? 'vxlan.base-iface' : src.type === 'bond' ? 'link-aggregation.port' : 'bridge.port';
        errors.push({ path: at(d.name, field), message: `"${lower}" does not exist and this state does not create it` });
      }
    }
    const ipErr = (fam: 'ipv4' | 'ipv6', cfg: IpConfig | undefined) => {
      if (cfg?.dhcp) errors.push({ path: at(d.name, `${fam}.dhcp`), message: 'DHCP is not supported by the agent; give static addresses' });
      if (cfg?.autoconf) errors.push({ path: at(d.name, `${fam}.autoconf`), message: 'IPv6 autoconf (SLAAC) is not supported by the agent; give static addresses' });
    };
    ipErr('ipv4', d.ipv4);
    ipErr('ipv6', d.ipv6);
  }

  // Depth in the stack, from the desired state where it names an interface, else from the kernel.
  const uppers = new Map<string, string[]>();
  const lowersOf = (n: string) => ownLowers(present.get(n) ?? actualByName.get(n) ?? { name: n });
  for (const n of new Set([...actualByName.keys(), ...present.keys()])) {
    for (const l of lowersOf(n)) uppers.set(l, [...(uppers.get(l) ?? []), n]);
  }
  const depthMemo = new Map<string, number>();
  const depth = (n: string, seen: Set<string> = new Set()): number => {
    if (depthMemo.has(n)) return depthMemo.get(n)!;
    if (seen.has(n)) return 0;
    seen.add(n);
    const ls = lowersOf(n);
    const v = ls.length ? 1 + Math.max(...ls.map((l) => depth(l, seen))) : 0;
    depthMemo.set(n, v);
    return v;
  };
  const byDepth = (dir: 1 | -1) => (x: string, y: string) => dir * (depth(x) - depth(y)) || (x < y ? -1 : x > y ? 1 : 0);

  const ops: LinuxOp[] = [];
  for (const n of [...remove].sort(byDepth(-1))) ops.push(op('linux-remove', n, `link del ${n}`));
  for (const n of [...create.keys()].sort(byDepth(1))) ops.push(op('linux-create', n, createLine(create.get(n)!)));

  const removedForGood = new Set([...remove].filter((n) => !create.has(n)));
  // Names whose old kernel object is gone: the peer of a removed veth goes with it.
  for (const n of removedForGood) {
    const peer = actualByName.get(n)?.veth?.peer;
    if (peer) removedForGood.add(peer);
  }

  const cfgNames = new Set(configure.map((d) => d.name));
  // A veth end we create but the state does not name still has to be up to carry traffic.
  for (const [peer] of createdPeers) {
    if (!cfgNames.has(peer)) {
      configure.push({ name: peer, state: 'up' });
      cfgNames.add(peer);
    }
  }

  /** interface -> its addresses once the plan ran, for those whose addresses the plan removes */
  const addressLoss = new Map<string, { ip: string; 'prefix-length': number }[]>();

  for (const d of [...configure].sort((x, y) => byDepth(1)(x.name, y.name))) {
    const n = d.name;
    const isFresh = fresh.has(n);
    const a = isFresh ? undefined : actualByName.get(n);
    const type = d.type ?? actualByName.get(n)?.type;

    if (type === 'linux-bridge' && a) {
      const stp = d.bridge?.options?.stp?.enabled;
      if (stp !== undefined && stp !== (a.bridge?.options?.stp?.enabled ?? false)) {
        ops.push(op('linux-configure', n, `link set ${n} type bridge stp_state ${stp ? 1 : 0}`));
      }
      const vf = d.bridge?.options?.['vlan-filtering'];
      if (vf !== undefined && vf !== (a.bridge?.options?.['vlan-filtering'] ?? false)) {
        ops.push(op('linux-configure', n, `link set ${n} type bridge vlan_filtering ${vf ? 1 : 0}`));
      }
    }
    const portOps = (wanted: string[], current: string[], bond: boolean) => {
      for (const p of current) {
        if (!wanted.includes(p) && !removedForGood.has(p)) ops.push(op('linux-configure', p, `link set ${p} nomaster`));
      }
      for (const p of wanted) {
        const pa = actualByName.get(p);
        if (!fresh.has(p) && !isFresh && pa?.controller === n) continue;
        // A bond takes only ports that are down.
        if (bond) ops.push(op('linux-configure', p, `link set ${p} down`));
        ops.push(op('linux-configure', p, `link set ${p} master ${n}`));
        if (bond && (present.get(p)?.state ?? 'up') === 'up') ops.push(op('linux-configure', p, `link set ${p} up`));
      }
    };
    if (type === 'linux-bridge' && d.bridge?.port) {
      portOps(d.bridge.port.map((p) => p.name), (a?.bridge?.port ?? []).map((p) => p.name), false);
    }
    if (type === 'bond' && d['link-aggregation']?.port) {
      portOps(d['link-aggregation'].port, a?.['link-aggregation']?.port ?? [], true);
    }
    if (d.mtu !== undefined && d.mtu !== a?.mtu) ops.push(op('linux-configure', n, `link set ${n} mtu ${d.mtu}`));
    const mac = d['mac-address']?.toLowerCase();
    if (mac && mac !== a?.['mac-address']?.toLowerCase()) ops.push(op('linux-configure', n, `link set ${n} address ${mac}`));

    for (const fam of ['ipv4', 'ipv6'] as const) {
      const cfg = d[fam];
      if (!cfg) continue;
      const want = cfg.enabled === false ? [] : cfg.address;
      if (want === undefined) continue;
      const wantsLinkLocal = want.some((x) => isLinkLocal(x.ip));
      const have = (a?.[fam]?.address ?? []).filter((x) => wantsLinkLocal || !isLinkLocal(x.ip));
      const wantKeys = new Set(want.map(addrKey));
      const haveKeys = new Set(have.map(addrKey));
      // Deletions first: with IPv4 a new address in the subnet of a deleted primary would go with it.
      const dels = [...haveKeys].filter((k) => !wantKeys.has(k)).sort();
      for (const k of dels) ops.push(op('linux-configure', n, `addr del ${k} dev ${n}`));
      for (const k of [...wantKeys].filter((k) => !haveKeys.has(k))) ops.push(op('linux-configure', n, `addr add ${k} dev ${n}`));
      if (dels.length) {
        const other = fam === 'ipv4' ? (a?.ipv6?.address ?? []) : (a?.ipv4?.address ?? []);
        const keep = addressLoss.get(n)?.filter((x) => ipFamily(x.ip) !== (fam === 'ipv4' ? 4 : 6)) ?? other;
        addressLoss.set(n, [...keep, ...want]);
      }
    }

    const state = d.state ?? (isFresh ? 'up' : undefined);
    if ((state === 'up' || state === 'down') && state !== a?.state) ops.push(op('linux-configure', n, `link set ${n} ${state}`));
  }

  // Routes: after every address is in place. Routes through removed interfaces vanish with them.
  const actualRoutes = actual.routes?.config ?? [];
  const absentRoutes = (desired.routes?.config ?? []).filter((r) => r.state === 'absent').map((r) => ({ ...r, state: undefined }));
  const routeOps = new Map<string, LinuxOp>();
  // Deleting an address flushes the routes whose gateway it reached; put back those still reachable.
  const reachable = (r: Route, addresses: { ip: string; 'prefix-length': number }[]) => {
    const gw = r['next-hop-address'];
    if (!gw || isLinkLocal(gw)) return true;
    return addresses.some((x) => ipFamily(x.ip) === ipFamily(gw) && networkAddress(x.ip, x['prefix-length']) === networkAddress(gw, x['prefix-length']));
  };
  for (const r of actualRoutes) {
    const dev = r['next-hop-interface'];
    const left = dev ? addressLoss.get(dev) : undefined;
    if (!left || absentRoutes.some((x) => routeMatches(x, r)) || !reachable(r, left)) continue;
    routeOps.set(routeKey(r), op('linux-configure', `route ${routeKey(r)}`, routeLine('replace', r)));
  }
  const routeDevOk = (r: Route) => !r['next-hop-interface'] || !removedForGood.has(r['next-hop-interface']);
  (desired.routes?.config ?? []).forEach((r, i) => {
    if (r.state === 'absent') {
      for (const a of actualRoutes) {
        if (routeMatches({ ...r, state: undefined }, a) && routeDevOk(a)) {
          ops.push(op('linux-configure', `route ${routeKey(a)}`, routeLine('del', a)));
        }
      }
      return;
    }
    const dev = r['next-hop-interface'];
    if (dev && !existsAfter(dev) && !(present.has(dev) && present.get(dev)!.type === 'ethernet')) {
      errors.push({ path: `routes.config[${i}].next-hop-interface`, message: `interface "${dev}" does not exist and this state does not create it` });
      return;
    }
    const devRecreated = dev !== undefined && fresh.has(dev);
    if (devRecreated || !actualRoutes.some((a) => routeMatches(r, a))) {
      routeOps.set(routeKey(r), op('linux-configure', `route ${routeKey(r)}`, routeLine('replace', r)));
    }
  });
  ops.push(...routeOps.values());

  return { operations: ops, errors };
}
