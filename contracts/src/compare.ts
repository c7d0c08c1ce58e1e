import type { NetworkState, Interface, IpConfig } from './state.ts';
import type { PropertyResult } from './sync.ts';
import { canonicalInterface, canonicalState } from './canonical.ts';
import { compareBridgeOptions, compareKinds, compareOvsDb, showPortVlan } from './compare-kinds.ts';
import { isLinkLocal, normalizeIp, prefixToNetmask } from './ip.ts';
import { compareRouting } from './compare-routing.ts';

/**
 * Desired vs actual, property by property, with nmstate's rules: only what the desired state names
 * is compared; addresses are sets; DNS servers are an ordered list. It also reports the properties
 * oVirt's network attachments report (mtu, bridged, vlan, boot protocol, address, netmask, gateway,
 * dns, default route) so that operators coming from there find the same names.
 */
export interface Comparison {
  inSync: boolean;
  results: PropertyResult[];
}

export { MAIN_TABLE, routeKey, routeMatches, absentRouteMatches, routesRemovedBy, ruleMatches, absentRuleMatches, rulesRemovedBy, ruleTable, showRoute, showRule } from './compare-routing.ts';

const sortedSet = (xs: Iterable<string>) => [...new Set(xs)].sort();
const sameList = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

class Results {
  readonly list: PropertyResult[] = [];
  add(path: string, property: string, expected: unknown, actual: unknown, inSync?: boolean) {
    const ok = inSync ?? (Array.isArray(expected) && Array.isArray(actual) ? sameList(expected, actual) : expected === actual);
    this.list.push({ path, property, expected, actual: actual ?? null, inSync: ok });
  }
}

const BRIDGE_TYPES = new Set(['linux-bridge', 'ovs-bridge']);

function ipEnabled(cfg: IpConfig | undefined): boolean {
  if (!cfg) return false;
  if (cfg.enabled !== undefined) return cfg.enabled;
  return Boolean(cfg.dhcp) || (cfg.address ?? []).some((a) => !isLinkLocal(a.ip));
}

function bootProtocol(cfg: IpConfig | undefined): 'dhcp' | 'static' | 'none' {
  if (cfg?.dhcp) return 'dhcp';
  return (cfg?.address ?? []).some((a) => !isLinkLocal(a.ip)) ? 'static' : 'none';
}

function compareIp(r: Results, p: string, fam: 'ipv4' | 'ipv6', d: IpConfig, a: IpConfig | undefined) {
  const at = `${p}.${fam}`;
  if (d.enabled !== undefined) r.add(`${at}.enabled`, `${fam}_enabled`, d.enabled, ipEnabled(a));
  if (d.dhcp !== undefined || d.address !== undefined) {
    const expected = d.dhcp ? 'dhcp' : d.address?.length ? 'static' : 'none';
    r.add(`${at}.boot-protocol`, `${fam}_boot_protocol`, expected, bootProtocol(a));
  }
  if (fam === 'ipv6' && d.autoconf !== undefined) r.add(`${at}.autoconf`, 'ipv6_autoconf', d.autoconf, a?.autoconf ?? false);
  if (d.address === undefined) return;
  // Link-local addresses are the kernel's, not the operator's, unless the desired state names them.
  const wantsLinkLocal = d.address.some((x) => isLinkLocal(x.ip));
  // Leased (DHCP/SLAAC) addresses are the server's, never compared as static ones.
  const actualAddrs = (a?.address ?? []).filter((x) => !x['fleetnet.io/dynamic'] && (wantsLinkLocal || !isLinkLocal(x.ip)));
  const dIps = sortedSet(d.address.map((x) => normalizeIp(x.ip)));
  const aIps = sortedSet(actualAddrs.map((x) => normalizeIp(x.ip)));
  r.add(`${at}.address`, `${fam}_address`, dIps, aIps);
  const aPrefix = new Map(actualAddrs.map((x) => [normalizeIp(x.ip), x['prefix-length']]));
  const show = (ip: string, prefix: number | undefined) =>
    prefix === undefined ? `${ip}/-` : fam === 'ipv4' ? `${ip}/${prefixToNetmask(prefix)}` : `${ip}/${prefix}`;
  const shared = d.address.filter((x) => aPrefix.has(normalizeIp(x.ip)));
  if (shared.length) {
    const expected = sortedSet(shared.map((x) => show(normalizeIp(x.ip), x['prefix-length'])));
    const actual = sortedSet(shared.map((x) => show(normalizeIp(x.ip), aPrefix.get(normalizeIp(x.ip)))));
    r.add(`${at}.prefix-length`, fam === 'ipv4' ? 'ipv4_netmask' : 'ipv6_prefix', expected, actual);
  }
}

function portNames(i: Interface | undefined): string[] {
  return sortedSet((i?.bridge?.port ?? []).map((p) => p.name));
}

function compareInterface(r: Results, d: Interface, a: Interface | undefined, actualByName: ReadonlyMap<string, Interface>) {
  const p = `interfaces[${d.name}]`;
  if (d.state === 'absent') {
    r.add(p, 'present', false, a !== undefined);
    return;
  }
  if (!a) {
    r.add(p, 'present', true, false);
    return;
  }
  if (d.type) r.add(`${p}.type`, 'type', d.type, a.type);
  if (d.type && BRIDGE_TYPES.has(d.type)) r.add(`${p}.bridged`, 'bridged', true, a.type !== undefined && BRIDGE_TYPES.has(a.type));
  if (d.state) r.add(`${p}.state`, 'state', d.state, a.state);
  if (d.mtu !== undefined) r.add(`${p}.mtu`, 'mtu', d.mtu, a.mtu);
  // both reported only when on: absent is off (promiscuous mode; an LLDP agent)
  if (d['accept-all-mac-addresses'] !== undefined) r.add(`${p}.accept-all-mac-addresses`, 'accept_all_mac_addresses', d['accept-all-mac-addresses'], a['accept-all-mac-addresses'] ?? false);
  if (d.lldp) r.add(`${p}.lldp.enabled`, 'lldp', d.lldp.enabled, a.lldp?.enabled ?? false);
  if (d['mac-address']) {
    r.add(`${p}.mac-address`, 'mac_address', d['mac-address'].toLowerCase(), a['mac-address']?.toLowerCase());
  }
  if (d.ipv4) compareIp(r, p, 'ipv4', d.ipv4, a.ipv4);
  if (d.ipv6) compareIp(r, p, 'ipv6', d.ipv6, a.ipv6);

  if (d.vlan) {
    r.add(`${p}.vlan.id`, 'vlan', d.vlan.id, a.vlan?.id);
    r.add(`${p}.vlan.base-iface`, 'vlan_base_iface', d.vlan['base-iface'], a.vlan?.['base-iface']);
  }
  const la = d['link-aggregation'];
  if (la) {
    r.add(`${p}.link-aggregation.mode`, 'bond_mode', la.mode, a['link-aggregation']?.mode);
    if (la.port) r.add(`${p}.link-aggregation.port`, 'bond_ports', sortedSet(la.port), sortedSet(a['link-aggregation']?.port ?? []));
    for (const [k, v] of Object.entries(la.options ?? {})) {
      const av = a['link-aggregation']?.options?.[k];
      r.add(`${p}.link-aggregation.options.${k}`, `bond_option_${k}`, String(v), av === undefined ? null : String(av));
    }
  }
  if (d.bridge) {
    compareBridgeOptions(r.add.bind(r), p, d, a);
    if (d.bridge.port) {
      r.add(`${p}.bridge.port`, 'bridge_ports', portNames(d), portNames(a));
      for (const port of d.bridge.port) {
        const ap = a.bridge?.port?.find((x) => x.name === port.name);
        const pp = `${p}.bridge.port[${port.name}]`;
        if (port.vlan) r.add(`${pp}.vlan`, 'port_vlan', showPortVlan(port.vlan), showPortVlan(ap?.vlan));
        const bond = port['link-aggregation'];
        if (bond) {
          r.add(`${pp}.link-aggregation.mode`, 'bond_mode', bond.mode, ap?.['link-aggregation']?.mode);
          r.add(
            `${pp}.link-aggregation.port`, 'bond_ports',
            sortedSet(bond.port.map((x) => x.name)), sortedSet((ap?.['link-aggregation']?.port ?? []).map((x) => x.name)),
          );
        }
      }
    }
  }
  if (d.veth) r.add(`${p}.veth.peer`, 'veth_peer', d.veth.peer, a.veth?.peer);
  compareKinds(r.add.bind(r), p, d, a, actualByName);
  if (d.vxlan) {
    r.add(`${p}.vxlan.id`, 'vxlan_id', d.vxlan.id, a.vxlan?.id);
    for (const k of ['remote', 'local', 'base-iface', 'destination-port'] as const) {
      const dv = d.vxlan[k];
      if (dv !== undefined) r.add(`${p}.vxlan.${k}`, `vxlan_${k.replace('-', '_')}`, dv, a.vxlan?.[k]);
    }
  }
  const ds = d.ethernet?.['sr-iov'];
  if (ds) {
    const as = a.ethernet?.['sr-iov'];
    r.add(`${p}.ethernet.sr-iov.total-vfs`, 'sriov_num_vfs', ds['total-vfs'], as?.['total-vfs'] ?? 0);
    const driver = ds['fleetnet.io/vf-driver'];
    if (driver) {
      // A VF with its own `fleetnet.io/driver` in the desired state is compared by that entry instead.
      const own = new Set((ds.vfs ?? []).filter((v) => v['fleetnet.io/driver']).map((v) => v.id));
      const drivers = sortedSet((as?.vfs ?? []).filter((v) => !own.has(v.id)).map((v) => v['fleetnet.io/driver'] ?? ''));
      r.add(`${p}.ethernet.sr-iov.fleetnet.io/vf-driver`, 'sriov_vf_driver', [driver], drivers);
    }
    for (const vf of ds.vfs ?? []) {
      const av = as?.vfs?.find((x) => x.id === vf.id);
      for (const k of ['mac-address', 'vlan-id', 'qos', 'spoof-check', 'trust', 'fleetnet.io/driver'] as const) {
        const dv = vf[k];
        if (dv === undefined) continue;
        const norm = (v: unknown) => (typeof v === 'string' && k === 'mac-address' ? v.toLowerCase() : v);
        r.add(`${p}.ethernet.sr-iov.vfs[${vf.id}].${k}`, `vf_${k.replace(/[^a-z]/g, '_')}`, norm(dv), norm(av?.[k]));
      }
    }
  }
}

export function compare(desired: NetworkState, actual: NetworkState): Comparison {
  const r = new Results();
  // nmstate's spellings (ports/port, macvlan/mac-vlan, stp: true, down = gone for virtual links) compared as one
  const actualByName = new Map((actual.interfaces ?? []).map((i) => [i.name, canonicalInterface(i)]));
  for (const d of canonicalState(desired).interfaces ?? []) compareInterface(r, d, actualByName.get(d.name), actualByName);
  compareOvsDb(r.add.bind(r), desired, actual);
  compareRouting(r.add.bind(r), desired, actual, actualByName);
  const dns = desired['dns-resolver']?.config;
  const adns = actual['dns-resolver']?.config;
  if (dns?.server) r.add('dns-resolver.config.server', 'dns', dns.server.map(normalizeIp), (adns?.server ?? []).map(normalizeIp));
  if (dns?.search) r.add('dns-resolver.config.search', 'dns_search', dns.search, adns?.search ?? []);
  return { inSync: r.list.every((x) => x.inSync), results: r.list };
}
