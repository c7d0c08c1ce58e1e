import { Labels, parseCidr, schemaErrors, type Interface, type IpConfig } from '@fleetnet/contracts';
import {
  at, finishPolicy, InterfaceSet, isIfName, isObject, policyName, toInt, unknownKeys,
  type ConvertResult, type Path,
} from './result.ts';

/**
 * Platform9 HostPlumber `HostNetworkTemplate` → one HostNetworkPolicy per template.
 * nodeSelector becomes the host selector (no selector: every host, as in HostPlumber); SR-IOV PFs picked
 * by vendor/device id or PCI address use fleetnet's `fleetnet.io/match` extension.
 */

const SERVER_METADATA = ['namespace', 'creationTimestamp', 'resourceVersion', 'selfLink', 'uid', 'generation', 'managedFields'];

export function convertHostPlumber(doc: unknown, path: Path = []): ConvertResult {
  const result: ConvertResult = { policies: [], unsupported: [] };
  const unsupported = result.unsupported;
  if (!isObject(doc)) {
    unsupported.push(`${at(path)}: not a mapping; not converted`);
    return result;
  }
  if (doc.kind === 'List' && Array.isArray(doc.items)) {
    doc.items.forEach((item, i) => {
      const r = convertHostPlumber(item, [...path, 'items', i]);
      result.policies.push(...r.policies);
      unsupported.push(...r.unsupported);
    });
    return result;
  }
  if (doc.kind === 'HostNetwork') {
    unsupported.push(`${at([...path, 'kind'])}: HostNetwork is HostPlumber's read-only status report, not a template; fleetnet agents report this themselves (fleetnet describe host); not converted`);
    return result;
  }
  if (doc.kind !== 'HostNetworkTemplate') {
    unsupported.push(`${at([...path, 'kind'])}: "${String(doc.kind)}" is not a HostNetworkTemplate; not converted`);
    return result;
  }
  unknownKeys(doc, ['apiVersion', 'kind', 'metadata', 'spec', 'status'], path, unsupported);
  if (doc.status !== undefined) unsupported.push(`${at([...path, 'status'])}: reported status, not intent; not converted`);
  const meta = isObject(doc.metadata) ? doc.metadata : {};
  unknownKeys(meta, ['name', 'labels', 'annotations', ...SERVER_METADATA], [...path, 'metadata'], unsupported);
  if (meta.labels !== undefined) unsupported.push(`${at([...path, 'metadata', 'labels'])}: labels of the Kubernetes object are not host labels; not converted`);
  const rawName = typeof meta.name === 'string' ? meta.name : 'hostplumber';
  const spec = isObject(doc.spec) ? doc.spec : {};
  unknownKeys(spec, ['nodeSelector', 'sriovConfig', 'interfaceConfig', 'ovsConfig'], [...path, 'spec'], unsupported);

  let hostSelector: { matchLabels: Labels } | undefined;
  if (isObject(spec.nodeSelector)) {
    const labels = Object.fromEntries(Object.entries(spec.nodeSelector).map(([k, v]) => [k, String(v)]));
    const errors = schemaErrors(Labels, labels);
    for (const e of errors) unsupported.push(`${at([...path, 'spec', 'nodeSelector'])}: ${e.path}: ${e.message}; not converted`);
    const bad = new Set(errors.map((e) => String(e.segments[0])));
    const ok = Object.fromEntries(Object.entries(labels).filter(([k]) => !bad.has(k)));
    if (Object.keys(ok).length) hostSelector = { matchLabels: ok };
  }

  const ifaces = new InterfaceSet();
  const sriov = Array.isArray(spec.sriovConfig) ? spec.sriovConfig : [];
  sriov.forEach((s, i) => convertSriov(s, [...path, 'spec', 'sriovConfig', i], ifaces, unsupported));
  const ifcfg = Array.isArray(spec.interfaceConfig) ? spec.interfaceConfig : [];
  ifcfg.forEach((c, i) => convertInterface(c, [...path, 'spec', 'interfaceConfig', i], ifaces, unsupported));
  const ovs = Array.isArray(spec.ovsConfig) ? spec.ovsConfig : [];
  ovs.forEach((o, i) => convertOvs(o, [...path, 'spec', 'ovsConfig', i], ifaces, unsupported));

  const interfaces = ifaces.list();
  if (!interfaces.length) {
    unsupported.push(`${at([...path, 'spec'])}: template ${rawName} configures nothing fleetnet can express; no policy generated`);
    return result;
  }
  finishPolicy(
    {
      name: policyName(rawName, [...path, 'metadata', 'name'], unsupported),
      source: `HostNetworkTemplate ${rawName}`,
      ...(hostSelector ? { hostSelector } : {}),
      desiredState: { interfaces },
    },
    path,
    result,
  );
  return result;
}

function convertSriov(s: unknown, path: Path, ifaces: InterfaceSet, unsupported: string[]) {
  if (!isObject(s)) return void unsupported.push(`${at(path)}: not a mapping; not converted`);
  unknownKeys(s, ['pfName', 'vendorId', 'deviceId', 'pciAddr', 'numVfs', 'vfDriver'], path, unsupported);
  const numVfs = toInt(s.numVfs);
  if (numVfs === undefined) return void unsupported.push(`${at([...path, 'numVfs'])}: missing or not a number; not converted`);
  let iface: Interface;
  if (typeof s.pfName === 'string') {
    if (!isIfName(s.pfName)) return void unsupported.push(`${at([...path, 'pfName'])}: "${s.pfName}" is not a Linux interface name; not converted`);
    iface = ifaces.get(s.pfName);
    if (s.vendorId !== undefined || s.deviceId !== undefined || s.pciAddr !== undefined) {
      unsupported.push(`${at(path)}: pfName is given, so vendorId/deviceId/pciAddr are not used (HostPlumber filters by ONE of them)`);
    }
  } else if (s.pciAddr !== undefined) {
    const addr = String(s.pciAddr);
    iface = ifaces.get(`pf-${addr.replace(/[^0-9A-Za-z]/g, '-')}`.slice(0, 15));
    iface['fleetnet.io/match'] = { 'pci-address': addr };
  } else if (s.vendorId !== undefined && s.deviceId !== undefined) {
    const vendor = String(s.vendorId);
    const device = String(s.deviceId);
    iface = ifaces.get(`sriov-${vendor}-${device}`.replace(/[^0-9A-Za-z-]/g, '-').slice(0, 15));
    iface['fleetnet.io/match'] = { 'vendor-id': vendor, 'device-id': device };
  } else {
    return void unsupported.push(`${at(path)}: names no device (pfName, pciAddr, or vendorId + deviceId); not converted`);
  }
  iface.type = 'ethernet';
  iface.ethernet = {
    'sr-iov': { 'total-vfs': numVfs, ...(typeof s.vfDriver === 'string' ? { 'fleetnet.io/vf-driver': s.vfDriver } : {}) },
  };
}

function addresses(v: unknown, family: 4 | 6, path: Path, unsupported: string[]): IpConfig | undefined {
  if (!isObject(v)) return undefined;
  unknownKeys(v, ['address'], path, unsupported);
  const list = Array.isArray(v.address) ? v.address : [];
  const out: NonNullable<IpConfig['address']> = [];
  list.forEach((a, i) => {
    const c = parseCidr(String(a));
    if (typeof c === 'string' || c.family !== family) {
      unsupported.push(`${at([...path, 'address', i])}: "${String(a)}" is not an IPv${family} address/prefix; not converted`);
    } else out.push({ ip: c.ip, 'prefix-length': c.prefix });
  });
  return { enabled: true, address: out };
}

function convertInterface(c: unknown, path: Path, ifaces: InterfaceSet, unsupported: string[]) {
  if (!isObject(c) || typeof c.name !== 'string') return void unsupported.push(`${at(path)}: an interface without a name; not converted`);
  if (!isIfName(c.name)) return void unsupported.push(`${at([...path, 'name'])}: "${c.name}" is not a Linux interface name; not converted`);
  unknownKeys(c, ['name', 'mtu', 'vlan', 'ipv4', 'ipv6'], path, unsupported);
  const iface = ifaces.get(c.name);
  if (c.mtu !== undefined) {
    const mtu = toInt(c.mtu);
    if (mtu === undefined) unsupported.push(`${at([...path, 'mtu'])}: "${String(c.mtu)}" is not a number; not converted`);
    else iface.mtu = mtu;
  }
  const v4 = addresses(c.ipv4, 4, [...path, 'ipv4'], unsupported);
  if (v4) iface.ipv4 = v4;
  const v6 = addresses(c.ipv6, 6, [...path, 'ipv6'], unsupported);
  if (v6) iface.ipv6 = v6;
  (Array.isArray(c.vlan) ? c.vlan : []).forEach((v, i) => {
    const p = [...path, 'vlan', i];
    const id = isObject(v) ? toInt(v.id) : undefined;
    if (isObject(v)) unknownKeys(v, ['id'], p, unsupported);
    if (id === undefined) return void unsupported.push(`${at(p)}: VLAN without a numeric id; not converted`);
    const name = `${c.name}.${id}`;
    if (!isIfName(name)) return void unsupported.push(`${at(p)}: VLAN device name "${name}" is longer than 15 characters; not converted`);
    const vl = ifaces.get(name);
    vl.type = 'vlan';
    vl.state = 'up';
    vl.vlan = { 'base-iface': c.name as string, id };
  });
}

function convertOvs(o: unknown, path: Path, ifaces: InterfaceSet, unsupported: string[]) {
  if (!isObject(o) || typeof o.bridgeName !== 'string') return void unsupported.push(`${at(path)}: an OVS bridge without bridgeName; not converted`);
  if (!isIfName(o.bridgeName)) return void unsupported.push(`${at([...path, 'bridgeName'])}: "${o.bridgeName}" is not a valid bridge name; not converted`);
  unknownKeys(o, ['bridgeName', 'nodeInterface'], path, unsupported);
  const br = ifaces.get(o.bridgeName);
  br.type = 'ovs-bridge';
  br.state = 'up';
  br.bridge ??= { port: [] };
  if (typeof o.nodeInterface === 'string') {
    if (!isIfName(o.nodeInterface)) return void unsupported.push(`${at([...path, 'nodeInterface'])}: "${o.nodeInterface}" is not a Linux interface name; not converted`);
    (br.bridge.port ??= []).push({ name: o.nodeInterface });
  }
}
