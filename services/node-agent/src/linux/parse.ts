import type { Interface, InterfaceType, NetworkState, Route } from '@fleetnet/contracts';
import { MAIN_TABLE, RouteTypes, normalizeIp } from '@fleetnet/contracts';
import { bondOptionsOf } from './bond-options.ts';
import { bridgeOptionsOf, bridgePortOptionsOf } from './bridge-options.ts';
import { kindSections } from './parse-kinds.ts';
import { portVlanOf, type BridgeVlanPort } from './port-vlans.ts';

/** The parts of `ip -j -d link`, `ip -j addr` and `ip -j route` output the agent uses. */
export interface IpLink {
  ifname: string;
  link?: string | null;
  flags?: string[];
  mtu?: number;
  master?: string;
  address?: string;
  ifalias?: string;
  /** `ip link property add altname`: nmstate's alt-names, which captures match on */
  altnames?: string[];
  link_type?: string;
  linkinfo?: {
    info_kind?: string;
    info_data?: Record<string, any>;
    info_slave_kind?: string;
    info_slave_data?: Record<string, any>;
  };
}
export interface IpNetconf {
  family: string;
  interface: string;
  forwarding?: boolean | string;
}
export interface IpAddrEntry {
  ifname: string;
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string; dynamic?: boolean }[];
}
export interface IpRoute {
  type?: string;
  dst: string;
  gateway?: string;
  dev?: string;
  table?: string;
  protocol?: string;
  metric?: number;
  scope?: string;
  prefsrc?: string;
  metrics?: Record<string, number>[];
}

const KIND_TYPES: Record<string, InterfaceType> = {
  bridge: 'linux-bridge',
  veth: 'veth',
  bond: 'bond',
  vlan: 'vlan',
  macvlan: 'mac-vlan',
  macvtap: 'mac-vtap',
  macsec: 'macsec',
  vxlan: 'vxlan',
  dummy: 'dummy',
  vrf: 'vrf',
  ipvlan: 'ipvlan',
  tun: 'tun',
  openvswitch: 'ovs-interface',
};

function linkType(l: IpLink): InterfaceType {
  const kind = l.linkinfo?.info_kind;
  if (kind) return KIND_TYPES[kind] ?? 'unknown';
  if (l.link_type === 'loopback') return 'loopback';
  if (l.link_type === 'ether') return 'ethernet';
  return 'unknown';
}

const TABLES: Record<string, number> = { main: MAIN_TABLE, local: 255, default: 253 };

function tableId(t: string | undefined): number {
  if (t === undefined) return MAIN_TABLE;
  return TABLES[t] ?? Number(t);
}

const DROP_TYPES: ReadonlySet<string> = new Set(RouteTypes);

/**
 * The key under which a route's text line and its JSON entry meet: iproute2 prints the lock flag of a
 * metric (`cwnd lock 20`) only in text, and nmstate counts a cwnd only when it is locked.
 */
export const routeTextKey = (dst: string, table: string | undefined, dev: string | undefined) => `${dst}|${table ?? 'main'}|${dev ?? '-'}`;

/** Pure: the keys of the routes whose cwnd is locked, from `ip route show table all` text. */
export function lockedCwndKeys(text: string): Set<string> {
  const keys = new Set<string>();
  for (const line of text.split('\n')) {
    if (!/\bcwnd lock \d+/.test(line)) continue;
    const words = line.trim().split(/\s+/);
    const first = DROP_TYPES.has(words[0]!) || words[0] === 'unicast' ? 1 : 0;
    const after = (k: string) => (words.indexOf(k) >= 0 ? words[words.indexOf(k) + 1] : undefined);
    keys.add(routeTextKey(words[first]!, after('table'), after('dev')));
  }
  return keys;
}

function routeFromIp(r: IpRoute, family: 4 | 6, lockedCwnd: ReadonlySet<string>): Route | undefined {
  const dropType = r.type && DROP_TYPES.has(r.type) ? (r.type as Route['route-type']) : undefined;
  if (r.type && r.type !== 'unicast' && !dropType) return undefined;
  const table = tableId(r.table);
  if (table === 255) return undefined;
  // Routes the kernel derives from addresses and links come back with them; they are not configuration.
  if (r.protocol === 'kernel') return undefined;
  let dst = r.dst === 'default' ? (family === 4 ? '0.0.0.0/0' : '::/0') : r.dst;
  if (!dst.includes('/')) dst = `${dst}/${family === 4 ? 32 : 128}`;
  const [ip, prefix] = dst.split('/');
  const route: Route = { destination: `${normalizeIp(ip!)}/${prefix}` };
  if (dropType) route['route-type'] = dropType;
  if (r.gateway) route['next-hop-address'] = normalizeIp(r.gateway);
  // a route that drops traffic has no device (the kernel shows IPv6 ones on lo)
  if (r.dev && !dropType) route['next-hop-interface'] = r.dev;
  route.metric = r.metric ?? 0;
  route['table-id'] = table;
  if (r.prefsrc) route.source = normalizeIp(r.prefsrc);
  const cwnd = r.metrics?.find((m) => m.cwnd !== undefined)?.cwnd;
  if (cwnd !== undefined && lockedCwnd.has(routeTextKey(r.dst, r.table, r.dev))) route.cwnd = cwnd;
  if (r.protocol === 'dhcp' || r.protocol === 'ra') route['fleetnet.io/dynamic'] = true;
  return route;
}

/** What turning one link into an interface needs from the other reads. */
interface LinkContext {
  links: IpLink[];
  addrsByName: ReadonlyMap<string, NonNullable<IpAddrEntry['addr_info']>>;
  forwarding: ReadonlySet<string>;
  vlansOf: ReadonlyMap<string, NonNullable<BridgeVlanPort['vlans']>>;
}

type IpAddrInfo = NonNullable<IpAddrEntry['addr_info']>[number];

const portsOf = (links: IpLink[], controller: string, kind: string) =>
  links.filter((p) => p.master === controller && p.linkinfo?.info_slave_kind === kind);

function addressesOf(addrs: IpAddrInfo[]) {
  return addrs.map((a) => ({ ip: normalizeIp(a.local), 'prefix-length': a.prefixlen, ...(a.dynamic ? { 'fleetnet.io/dynamic': true as const } : {}) }));
}

function bridgeSection(l: IpLink, info: Record<string, any>, ctx: LinkContext): Partial<Interface> {
  const ports = portsOf(ctx.links, l.ifname, 'bridge');
  return {
    bridge: {
      options: bridgeOptionsOf(info),
      port: ports.map((p) => {
        const vlan = Number(info.vlan_filtering ?? 0) === 1 ? portVlanOf(ctx.vlansOf.get(p.ifname) ?? []) : undefined;
        return { name: p.ifname, ...bridgePortOptionsOf(p.linkinfo?.info_slave_data ?? {}), ...(vlan ? { vlan } : {}) };
      }),
    },
  };
}

function bondSection(l: IpLink, info: Record<string, any>, ctx: LinkContext): Partial<Interface> {
  const ports = portsOf(ctx.links, l.ifname, 'bond');
  const options = bondOptionsOf(info);
  const portsConfig = ports.map((p) => ({
    name: p.ifname,
    'queue-id': Number(p.linkinfo?.info_slave_data?.queue_id ?? 0),
    ...(p.linkinfo?.info_slave_data?.prio !== undefined ? { priority: Number(p.linkinfo.info_slave_data.prio) } : {}),
  }));
  return {
    'link-aggregation': {
      mode: info.mode ?? 'balance-rr',
      port: ports.map((p) => p.ifname),
      ...(portsConfig.length ? { 'ports-config': portsConfig } : {}),
      ...(Object.keys(options).length ? { options } : {}),
    },
  };
}

function ipvlanSection(base: string, info: Record<string, any>): Partial<Interface> {
  const ipvlan: NonNullable<Interface['ipvlan']> = { 'base-iface': base, mode: info.mode === 'l3' || info.mode === 'l3s' ? info.mode : 'l2' };
  if (info.flags === 'private') ipvlan.private = true;
  if (info.flags === 'vepa') ipvlan.vepa = true;
  return { ipvlan };
}

function vlanSection(base: string, info: Record<string, any>): Partial<Interface> {
  const flags: string[] = Array.isArray(info.flags) ? info.flags : [];
  return {
    vlan: {
      'base-iface': base, id: Number(info.id), protocol: String(info.protocol ?? '802.1Q').toLowerCase() === '802.1ad' ? '802.1ad' : '802.1q',
      'reorder-headers': flags.includes('REORDER_HDR'), 'loose-binding': flags.includes('LOOSE_BINDING'),
      'registration-protocol': flags.includes('GVRP') ? 'gvrp' : flags.includes('MVRP') ? 'mvrp' : 'none',
    },
  };
}

function vxlanSection(l: IpLink, info: Record<string, any>): Partial<Interface> {
  const vx: NonNullable<Interface['vxlan']> = { id: Number(info.id) };
  const remote = info.remote ?? info.remote6;
  const local = info.local ?? info.local6;
  if (remote) vx.remote = normalizeIp(String(remote));
  if (local) vx.local = normalizeIp(String(local));
  // iproute2 reports a vxlan's lower device inside info_data, not as the link's "link"
  const base = info.link ?? l.link;
  if (base) vx['base-iface'] = String(base);
  if (info.port) vx['destination-port'] = Number(info.port);
  return { vxlan: vx };
}

/** The section of the interface's type, from its link entry and, for a controller, its ports' entries. */
function kindDetails(type: InterfaceType, l: IpLink, ctx: LinkContext): Partial<Interface> {
  const info = l.linkinfo?.info_data ?? {};
  switch (type) {
    case 'linux-bridge':
      return bridgeSection(l, info, ctx);
    case 'bond':
      return bondSection(l, info, ctx);
    case 'vrf':
      return { vrf: { 'route-table-id': Number(info.table), port: portsOf(ctx.links, l.ifname, 'vrf').map((p) => p.ifname) } };
    case 'ipvlan':
      return l.link ? ipvlanSection(l.link, info) : {};
    case 'vlan':
      return l.link ? vlanSection(l.link, info) : {};
    case 'veth':
      // The peer is named only when it is in this namespace.
      return l.link ? { veth: { peer: l.link } } : {};
    case 'mac-vlan':
    case 'mac-vtap':
    case 'macsec':
      return kindSections(type, l.link ?? undefined, info);
    case 'vxlan':
      return vxlanSection(l, info);
    default:
      return {};
  }
}

function interfaceFromLink(l: IpLink, ctx: LinkContext): Interface {
  const type = linkType(l);
  const addrs = ctx.addrsByName.get(l.ifname) ?? [];
  const v4 = addrs.filter((a) => a.family === 'inet');
  const v6 = addrs.filter((a) => a.family === 'inet6');
  const iface: Interface = {
    name: l.ifname,
    type,
    state: l.flags?.includes('UP') ? 'up' : 'down',
  };
  if (l.mtu !== undefined) iface.mtu = l.mtu;
  // the flag set by ip link set promisc (a bridge's own promiscuity counter does not show here); reported only when on
  if (l.flags?.includes('PROMISC')) iface['accept-all-mac-addresses'] = true;
  // A bond gives its ports its own MAC; the port's own is the one it gets back on leaving (and the
  // one a rollback must restore, or a port would keep another's MAC for good).
  const mac = l.linkinfo?.info_slave_kind === 'bond' ? l.linkinfo.info_slave_data?.perm_hwaddr ?? l.address : l.address;
  if (mac && type !== 'loopback' && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac)) iface['mac-address'] = mac.toLowerCase();
  iface.ipv4 = { enabled: v4.length > 0, dhcp: v4.some((a) => a.dynamic === true), address: addressesOf(v4) };
  // reported only when on: off is the kernel's default and what an unnamed interface has
  if (ctx.forwarding.has(l.ifname)) iface.ipv4.forwarding = true;
  iface.ipv6 = { enabled: v6.length > 0, dhcp: false, address: addressesOf(v6) };
  if (l.master) iface.controller = l.master;
  if (l.ifalias) iface.description = l.ifalias;
  if (l.altnames?.length) iface['alt-names'] = l.altnames.map((name) => ({ name }));
  return Object.assign(iface, kindDetails(type, l, ctx));
}

/** Pure: the kernel's view (the four JSON reads) as a NetworkState. */
export function parseLinuxState(input: {
  links: IpLink[];
  addrs: IpAddrEntry[];
  routes4: IpRoute[];
  routes6: IpRoute[];
  /** `ip -j netconf show`: per-interface IPv4 forwarding */
  netconf?: IpNetconf[];
  /** keys of the routes whose cwnd is locked (lockedCwndKeys) */
  lockedCwnd?: ReadonlySet<string>;
  /** `bridge -j -c vlan show`, read only when a bridge filters VLANs */
  portVlans?: BridgeVlanPort[];
}): NetworkState {
  const ctx: LinkContext = {
    links: input.links,
    addrsByName: new Map(input.addrs.map((a) => [a.ifname, a.addr_info ?? []])),
    forwarding: new Set((input.netconf ?? []).filter((n) => n.family === 'inet' && (n.forwarding === true || n.forwarding === 'on')).map((n) => n.interface)),
    vlansOf: new Map((input.portVlans ?? []).map((p) => [p.ifname, p.vlans ?? []])),
  };
  const interfaces = input.links.map((l) => interfaceFromLink(l, ctx));
  const routes = [
    ...input.routes4.map((r) => routeFromIp(r, 4, input.lockedCwnd ?? new Set())),
    ...input.routes6.map((r) => routeFromIp(r, 6, input.lockedCwnd ?? new Set())),
  ].filter((r): r is Route => r !== undefined);
  return { interfaces, routes: { config: routes } };
}
