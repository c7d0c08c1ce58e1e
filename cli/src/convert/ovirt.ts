import { ipFamily, netmaskToPrefix, type Interface, type NetworkState, type Route } from '@fleetnet/contracts';
import {
  at, finishPolicy, InterfaceSet, isIfName, isObject, policyName, toBool, toInt, unknownKeys,
  type ConvertResult, type Path,
} from './result.ts';

/**
 * oVirt host network handler's `OvirtHostNetwork` (one per host) → one HostNetworkPolicy per host.
 * A VM network ("usages: vm") is a Linux bridge named after the network, as VDSM builds it, on top of
 * the NIC, bond or VLAN; other networks put their addresses on that device directly.
 */

/** The label a converted policy selects its host by: the node name the source system knew it under. */
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

const BOND_MODES: Record<string, string> = {
  '0': 'balance-rr', '1': 'active-backup', '2': 'balance-xor', '3': 'broadcast', '4': '802.3ad', '5': 'balance-tlb', '6': 'balance-alb',
};
const BOND_MODE_NAMES = new Set(Object.values(BOND_MODES));

/** Set by the API server, not by the user: not intent, so not worth a line each. */
const SERVER_METADATA = ['namespace', 'creationTimestamp', 'resourceVersion', 'selfLink', 'uid', 'generation', 'managedFields'];

const list = (v: unknown, key: string): unknown[] => {
  // oVirt's REST style wraps lists: `usages: {usage: [...]}`.
  if (Array.isArray(v)) return v;
  if (isObject(v) && Array.isArray(v[key])) return v[key] as unknown[];
  return [];
};

export function convertOvirt(doc: unknown, path: Path = []): ConvertResult {
  const result: ConvertResult = { policies: [], unsupported: [] };
  if (!isObject(doc)) {
    result.unsupported.push(`${at(path)}: not a mapping; not converted`);
    return result;
  }
  if (doc.kind === 'List' && Array.isArray(doc.items)) {
    doc.items.forEach((item, i) => {
      const r = convertOvirt(item, [...path, 'items', i]);
      result.policies.push(...r.policies);
      result.unsupported.push(...r.unsupported);
    });
    return result;
  }
  if (doc.kind !== 'OvirtHostNetwork') {
    result.unsupported.push(`${at([...path, 'kind'])}: "${String(doc.kind)}" is not an OvirtHostNetwork; not converted`);
    return result;
  }
  unknownKeys(doc, ['apiVersion', 'kind', 'metadata', 'spec', 'state'], path, result.unsupported);
  if (doc.state !== undefined) {
    result.unsupported.push(`${at([...path, 'state'])}: reported state, not intent; fleetnet agents report the actual state themselves`);
  }
  const meta = isObject(doc.metadata) ? doc.metadata : {};
  unknownKeys(meta, ['name', 'labels', 'annotations', ...SERVER_METADATA], [...path, 'metadata'], result.unsupported);
  if (meta.labels !== undefined) result.unsupported.push(`${at([...path, 'metadata', 'labels'])}: labels of the Kubernetes object are not host labels; not converted`);
  const host = typeof meta.name === 'string' ? meta.name : undefined;
  if (!host) {
    result.unsupported.push(`${at([...path, 'metadata', 'name'])}: missing: the host this network belongs to is unknown; not converted`);
    return result;
  }
  const spec = isObject(doc.spec) ? doc.spec : {};
  unknownKeys(spec, ['networks', 'bondings'], [...path, 'spec'], result.unsupported);
  const networks = Array.isArray(spec.networks) ? spec.networks : [];
  const bondings = Array.isArray(spec.bondings) ? spec.bondings : [];
  if (!networks.length && !bondings.length) {
    result.unsupported.push(`${at([...path, 'spec'])}: host ${host} declares no networks or bondings; no policy generated`);
    return result;
  }

  const ifaces = new InterfaceSet();
  const routes: Route[] = [];
  const dns: string[] = [];
  const unsupported = result.unsupported;

  bondings.forEach((b, i) => convertBonding(b, [...path, 'spec', 'bondings', i], ifaces, unsupported));
  const baseMtu = new Map<string, number>();
  networks.forEach((n, i) => convertNetwork(n, [...path, 'spec', 'networks', i], ifaces, routes, dns, baseMtu, unsupported));
  for (const [name, mtu] of baseMtu) ifaces.get(name).mtu = mtu;

  const state: NetworkState = { interfaces: orderInterfaces(ifaces.list()) };
  if (routes.length) state.routes = { config: routes };
  if (dns.length) state['dns-resolver'] = { config: { server: dns } };
  finishPolicy(
    {
      name: policyName(`ovirt-${host}`, [...path, 'metadata', 'name'], unsupported),
      source: `OvirtHostNetwork ${host}`,
      hostSelector: { matchLabels: { [HOSTNAME_LABEL]: host } },
      desiredState: state,
    },
    path,
    result,
  );
  return result;
}

/** Lower layers first reads like the agent's plan: bonds, then VLANs, then bridges. */
function orderInterfaces(list: Interface[]): Interface[] {
  const rank = (i: Interface) => (i.type === 'bond' ? 0 : i.type === 'vlan' ? 1 : i.type === 'linux-bridge' ? 2 : -1);
  return [...list].sort((a, b) => rank(a) - rank(b));
}

function convertBonding(b: unknown, path: Path, ifaces: InterfaceSet, unsupported: string[]) {
  if (!isObject(b) || typeof b.name !== 'string') return void unsupported.push(`${at(path)}: a bonding without a name; not converted`);
  if (!isIfName(b.name)) return void unsupported.push(`${at([...path, 'name'])}: "${b.name}" is not a Linux interface name; not converted`);
  unknownKeys(b, ['name', 'bonding'], path, unsupported);
  const bonding = isObject(b.bonding) ? b.bonding : {};
  unknownKeys(bonding, ['options', 'slaves'], [...path, 'bonding'], unsupported);
  let mode = 'balance-rr';
  const options: Record<string, string | number> = {};
  list(bonding.options, 'option').forEach((o, j) => {
    const p = [...path, 'bonding', 'options', 'option', j];
    if (!isObject(o) || typeof o.name !== 'string') return void unsupported.push(`${at(p)}: option without a name; not converted`);
    const value = String(o.value ?? '');
    if (o.name === 'mode') {
      const m = BOND_MODES[value] ?? (BOND_MODE_NAMES.has(value) ? value : undefined);
      if (m) mode = m;
      else unsupported.push(`${at([...p, 'value'])}: bond mode "${value}" is unknown; kernel default balance-rr used`);
    } else if (o.name === 'custom') {
      unsupported.push(`${at(p)}: custom bonding option "${value}" has no equivalent; not converted`);
    } else options[o.name] = toInt(value) ?? value;
  });
  const ports = list(bonding.slaves, 'hostNic')
    .map((s, j) => {
      const name = isObject(s) && typeof s.name === 'string' ? s.name : undefined;
      if (!name) unsupported.push(`${at([...path, 'bonding', 'slaves', 'hostNic', j])}: slave without a name; not converted`);
      return name;
    })
    .filter((n): n is string => n !== undefined);
  const iface = ifaces.get(b.name);
  iface.type = 'bond';
  iface.state = 'up';
  iface['link-aggregation'] = {
    mode: mode as NonNullable<Interface['link-aggregation']>['mode'],
    port: ports,
    ...(Object.keys(options).length ? { options } : {}),
  };
}

function convertNetwork(
  n: unknown, path: Path, ifaces: InterfaceSet, routes: Route[], dns: string[], baseMtu: Map<string, number>, unsupported: string[],
) {
  if (!isObject(n)) return void unsupported.push(`${at(path)}: not a mapping; not converted`);
  unknownKeys(n, ['network', 'hostNic', 'ipAddressAssignments', 'dnsResolverConfiguration'], path, unsupported);
  const net = isObject(n.network) ? n.network : {};
  const netName = typeof net.name === 'string' ? net.name : undefined;
  const nic = isObject(n.hostNic) && typeof n.hostNic.name === 'string' ? n.hostNic.name : undefined;
  if (isObject(n.hostNic)) unknownKeys(n.hostNic, ['name'], [...path, 'hostNic'], unsupported);
  if (!netName) return void unsupported.push(`${at([...path, 'network', 'name'])}: a network needs a name; not converted`);
  if (!nic) return void unsupported.push(`${at([...path, 'hostNic', 'name'])}: network ${netName} names no host NIC; not converted`);
  unknownKeys(net, ['name', 'mtu', 'stp', 'usages', 'vlan'], [...path, 'network'], unsupported);

  const usages = list(net.usages, 'usage').map(String);
  const vm = usages.includes('vm');
  for (const u of usages.filter((u) => u !== 'vm')) {
    unsupported.push(`${at([...path, 'network', 'usages'])}: usage "${u}" is an oVirt cluster role with no host-level equivalent; not converted`);
  }
  const mtu = net.mtu === undefined ? undefined : toInt(net.mtu);
  if (net.mtu !== undefined && mtu === undefined) unsupported.push(`${at([...path, 'network', 'mtu'])}: "${String(net.mtu)}" is not a number; not converted`);
  const vlanId = isObject(net.vlan) ? toInt(net.vlan.id) : undefined;
  if (net.vlan !== undefined && vlanId === undefined) unsupported.push(`${at([...path, 'network', 'vlan'])}: VLAN without a numeric id; not converted`);

  let top = nic;
  if (vlanId !== undefined) {
    top = `${nic}.${vlanId}`;
    if (!isIfName(top)) {
      return void unsupported.push(`${at([...path, 'network', 'vlan'])}: VLAN device name "${top}" is longer than 15 characters; not converted`);
    }
    const v = ifaces.get(top);
    v.type = 'vlan';
    v.state = 'up';
    v.vlan = { 'base-iface': nic, id: vlanId };
    if (mtu !== undefined) v.mtu = mtu;
  }
  if (mtu !== undefined) baseMtu.set(nic, Math.max(baseMtu.get(nic) ?? 0, mtu));

  let ipDevice = top;
  if (vm) {
    if (!isIfName(netName)) {
      return void unsupported.push(`${at([...path, 'network', 'name'])}: "${netName}" cannot name a bridge (at most 15 characters of letters, digits, "_.@-"); not converted`);
    }
    const br = ifaces.get(netName);
    br.type = 'linux-bridge';
    br.state = 'up';
    const stp = net.stp === undefined ? undefined : toBool(net.stp);
    br.bridge = { ...(stp !== undefined ? { options: { stp: { enabled: stp } } } : {}), port: [{ name: top }] };
    if (mtu !== undefined) br.mtu = mtu;
    ipDevice = netName;
  } else if (net.stp !== undefined && toBool(net.stp)) {
    unsupported.push(`${at([...path, 'network', 'stp'])}: STP needs a bridge, and a non-VM network has none; not converted`);
  }

  const device = ifaces.get(ipDevice);
  list(n.ipAddressAssignments, 'ipAddressAssignment').forEach((a, j) => {
    const p = [...path, 'ipAddressAssignments', 'ipAddressAssignment', j];
    if (!isObject(a)) return void unsupported.push(`${at(p)}: not a mapping; not converted`);
    unknownKeys(a, ['assignmentMethod', 'ip'], p, unsupported);
    const ip = isObject(a.ip) ? a.ip : {};
    unknownKeys(ip, ['version', 'address', 'netmask', 'gateway'], [...p, 'ip'], unsupported);
    const family = ip.version === 'v6' ? 6 : ip.address && ipFamily(String(ip.address)) === 6 ? 6 : 4;
    const key = family === 4 ? 'ipv4' : 'ipv6';
    const cfg = (device[key] ??= { enabled: true });
    const method = String(a.assignmentMethod ?? 'none');
    if (method === 'dhcp') cfg.dhcp = true;
    else if (method === 'autoconf' && family === 6) cfg.autoconf = true;
    else if (method === 'static') {
      const address = String(ip.address ?? '');
      const prefix = family === 4 ? netmaskToPrefix(String(ip.netmask ?? '')) : toInt(ip.netmask);
      if (ipFamily(address) !== family || prefix === undefined) {
        unsupported.push(`${at([...p, 'ip'])}: static address "${address}" netmask "${String(ip.netmask)}" is not valid; not converted`);
      } else (cfg.address ??= []).push({ ip: address, 'prefix-length': prefix });
    } else if (method === 'none') {
      if (!cfg.address?.length && !cfg.dhcp) device[key] = { enabled: false };
    } else unsupported.push(`${at([...p, 'assignmentMethod'])}: "${method}" is not supported; not converted`);
    if (ip.gateway !== undefined) {
      const gw = String(ip.gateway);
      if (ipFamily(gw) === family) {
        routes.push({ destination: family === 4 ? '0.0.0.0/0' : '::/0', 'next-hop-address': gw, 'next-hop-interface': ipDevice });
      } else unsupported.push(`${at([...p, 'ip', 'gateway'])}: "${gw}" is not an IPv${family} address; not converted`);
    }
  });

  const resolver = isObject(n.dnsResolverConfiguration) ? n.dnsResolverConfiguration : undefined;
  if (resolver) {
    unknownKeys(resolver, ['nameServers'], [...path, 'dnsResolverConfiguration'], unsupported);
    for (const s of list(resolver.nameServers, 'nameServer').map(String)) if (!dns.includes(s)) dns.push(s);
  }
}
