import { HostNetworkPolicy, type LabelSelector } from './policy.ts';
import { LINUX_CREATABLE, NetworkState, REMOVE_ONLY, type Interface, type InterfaceType } from './state.ts';
import { kindErrors, portVlanErrors } from './semantic-kinds.ts';
import { ipFamily } from './ip.ts';
import { error, schemaErrors, type Validated, type ValidationError } from './validate.ts';
import { containsTemplate } from './render/template.ts';
import { unsupportedErrors, withoutRefused } from './nmstate-unsupported.ts';
import { routingErrors } from './semantic-routing.ts';
import { identityErrors } from './semantic-identity.ts';
import { policyRenderErrors } from './render/check.ts';
import { formatRenderError } from './render/error.ts';
import { checkStateLimits } from './bounds.ts';

type Seg = (string | number)[];

/** What the remove-only types are, for the refusal (nmstate's feature names). */
const REMOVE_ONLY_FEATURE: Record<string, string> = {
  infiniband: 'InfiniBand', hsr: 'HSR/PRP', ipsec: 'IPsec', xfrm: 'XFRM interfaces', team: 'team (use a bond)',
};

/** Which type-specific section belongs to which interface type. */
const SECTION_TYPES: Record<string, InterfaceType[]> = {
  'link-aggregation': ['bond'],
  vlan: ['vlan'],
  bridge: ['linux-bridge', 'ovs-bridge'],
  veth: ['veth'],
  macvlan: ['macvlan', 'mac-vlan'],
  'mac-vlan': ['mac-vlan', 'macvlan'],
  'mac-vtap': ['mac-vtap'],
  macsec: ['macsec'],
  vrf: ['vrf'],
  ipvlan: ['ipvlan'],
  patch: ['ovs-interface'],
  'copy-mac-from': ['bond', 'linux-bridge', 'ovs-interface'],
  vxlan: ['vxlan'],
  ethernet: ['ethernet'],
  'fleetnet.io/match': ['ethernet'],
};
// veth is not here: naming an existing veth needs no `veth:` block (only creating one needs the peer, a plan-time check).
const REQUIRED_SECTION: Partial<Record<InterfaceType, string>> = {
  bond: 'link-aggregation',
  vlan: 'vlan',
  macvlan: 'macvlan',
  'mac-vlan': 'mac-vlan',
  'mac-vtap': 'mac-vtap',
  macsec: 'macsec',
  vxlan: 'vxlan',
  vrf: 'vrf',
  ipvlan: 'ipvlan',
};

function addressErrors(iface: Interface, at: Seg): ValidationError[] {
  const out: ValidationError[] = [];
  for (const fam of [4, 6] as const) {
    const key = fam === 4 ? 'ipv4' : 'ipv6';
    const cfg = iface[key];
    if (!cfg) continue;
    if (fam === 4 && cfg.autoconf !== undefined) out.push(error([...at, key, 'autoconf'], 'autoconf (SLAAC) exists only for ipv6'));
    const seen = new Map<string, number>();
    (cfg.address ?? []).forEach((a, i) => {
      const where = [...at, key, 'address', i];
      const f = ipFamily(a.ip);
      if (!f) out.push(error([...where, 'ip'], `"${a.ip}" is not an IPv${fam} address`));
      else if (f !== fam) out.push(error([...where, 'ip'], `"${a.ip}" is an IPv${f} address in the ${key} section`));
      const max = fam === 4 ? 32 : 128;
      // An address of the other family already has its error; its prefix would only add noise.
      if ((!f || f === fam) && a['prefix-length'] > max) {
        out.push(error([...where, 'prefix-length'], `must be at most ${max} for IPv${fam}, got ${a['prefix-length']}`));
      }
      const k = `${a.ip}/${a['prefix-length']}`;
      if (seen.has(k)) out.push(error(where, `duplicate address ${k} (also at ${key}.address[${seen.get(k)}])`));
      seen.set(k, i);
    });
    if (cfg.enabled === false && (cfg.address?.length || cfg.dhcp)) {
      out.push(error([...at, key, 'enabled'], `${key} is disabled but addresses or dhcp are set`));
    }
  }
  return out;
}

/** Rules the schema cannot express: cross-references, uniqueness, address syntax, type/section agreement. */
export function stateSemanticErrors(state: NetworkState, at: Seg = []): ValidationError[] {
  const out: ValidationError[] = [];
  const ifaces = state.interfaces ?? [];
  const byName = new Map<string, number>();
  const absent = new Set(ifaces.filter((i) => i.state === 'absent').map((i) => i.name));
  const portOwner = new Map<string, string>();
  const vlanIds = new Map<string, string>();

  ifaces.forEach((iface, i) => {
    const here = [...at, 'interfaces', i];
    if (byName.has(iface.name)) {
      out.push(error([...here, 'name'], `duplicate interface "${iface.name}" (also at interfaces[${byName.get(iface.name)}])`));
    } else byName.set(iface.name, i);
    if (iface.state === 'absent') return;

    for (const [section, types] of Object.entries(SECTION_TYPES)) {
      if ((iface as Record<string, unknown>)[section] === undefined) continue;
      if (!iface.type) out.push(error([...here, section], `"${section}" needs "type" to be set (one of ${types.join(', ')})`));
      else if (!types.includes(iface.type)) {
        out.push(error([...here, section], `"${section}" is only valid for type ${types.join(' or ')}, not ${iface.type}`));
      }
    }
    if (iface.type && REMOVE_ONLY.has(iface.type)) {
      out.push(error([...here, 'type'], `not supported by fleetnet: ${REMOVE_ONLY_FEATURE[iface.type] ?? iface.type} (a document may only remove such an interface, with state: absent)`));
      return;
    }
    const required = iface.type && REQUIRED_SECTION[iface.type];
    const hasSection = (k: string) => (iface as Record<string, unknown>)[k] !== undefined || (k === 'mac-vlan' && iface.macvlan !== undefined);
    // a virtual interface that is down is removed (nmstate): it needs nothing to create it
    if (required && !hasSection(required) && !(iface.state === 'down' && LINUX_CREATABLE.has(iface.type!))) {
      out.push(error([...here, required], `is required for type ${iface.type}`));
    }

    out.push(...kindErrors(iface, here));
    out.push(...identityErrors(iface, here));
    const baseSection = (['vlan', 'macvlan', 'mac-vlan', 'mac-vtap', 'macsec'] as const).find((k) => iface[k] !== undefined);
    const base = baseSection && (iface[baseSection]!['base-iface'] ?? iface.macsec?.parent);
    if (baseSection && base !== undefined) {
      if (base === iface.name) out.push(error([...here, baseSection, 'base-iface'], 'an interface cannot be its own base'));
      else if (absent.has(base)) {
        out.push(error([...here, baseSection, 'base-iface'], `base interface "${base}" is marked absent in this document`));
      }
    }
    const ms = iface.macsec;
    if (ms && ms['base-iface'] === undefined && ms.parent === undefined) out.push(error([...here, 'macsec', 'base-iface'], 'is required (or parent, its newer nmstate name)'));
    if (ms?.parent !== undefined && ms['base-iface'] !== undefined && ms.parent !== ms['base-iface']) {
      out.push(error([...here, 'macsec', 'parent'], 'parent and base-iface are the same setting and disagree'));
    }
    if (ms && (ms['mka-cak'] === undefined) !== (ms['mka-ckn'] === undefined)) {
      // MKA needs the key and its name: one alone would configure a MACsec link nobody can key
      const [given, missing] = ms['mka-cak'] === undefined ? ['mka-ckn', 'mka-cak'] : ['mka-cak', 'mka-ckn'];
      out.push(error([...here, 'macsec', missing], `is required with ${given} (MKA needs both the CAK and its name, the CKN)`));
    }
    if (iface.vlan) {
      const key = `${iface.vlan['base-iface']}/${iface.vlan.id}`;
      if (vlanIds.has(key)) {
        out.push(error([...here, 'vlan', 'id'], `VLAN ${iface.vlan.id} on ${iface.vlan['base-iface']} is already defined by "${vlanIds.get(key)}"`));
      } else vlanIds.set(key, iface.name);
    }

    const claim = (port: string, where: Seg) => {
      if (port === iface.name) out.push(error(where, `"${iface.name}" cannot be a port of itself`));
      else if (absent.has(port)) out.push(error(where, `port "${port}" is marked absent in this document`));
      else if (portOwner.has(port)) out.push(error(where, `"${port}" is already a port of "${portOwner.get(port)}"`));
      else portOwner.set(port, iface.name);
    };
    const la = iface['link-aggregation'];
    const portKey = la?.ports && !la.port ? 'ports' : 'port';
    (la?.port ?? la?.ports)?.forEach((p, j) => claim(p, [...here, 'link-aggregation', portKey, j]));
    iface.bridge?.port?.forEach((p, j) => {
      const where = [...here, 'bridge', 'port', j];
      if (p['link-aggregation']) {
        if (iface.type !== 'ovs-bridge') out.push(error([...where, 'link-aggregation'], 'bonds inside a bridge port exist only on ovs-bridge'));
        p['link-aggregation'].port.forEach((bp, k) => claim(bp.name, [...where, 'link-aggregation', 'port', k, 'name']));
      } else claim(p.name, [...where, 'name']);
      if (p.vlan) out.push(...portVlanErrors(p.vlan, [...where, 'vlan']));
    });

    const sriov = iface.ethernet?.['sr-iov'];
    sriov?.vfs?.forEach((vf, j) => {
      if (vf.id >= sriov['total-vfs']) {
        out.push(error([...here, 'ethernet', 'sr-iov', 'vfs', j, 'id'], `VF ${vf.id} does not exist with total-vfs ${sriov['total-vfs']} (ids are 0..${sriov['total-vfs'] - 1})`));
      }
    });
    const match = iface['fleetnet.io/match'];
    if (match && !match['pci-address'] && !match['vendor-id'] && !match['device-id']) {
      out.push(error([...here, 'fleetnet.io/match'], 'name at least one of pci-address, vendor-id, device-id'));
    }
    if (match && (match['vendor-id'] === undefined) !== (match['device-id'] === undefined)) {
      out.push(error([...here, 'fleetnet.io/match'], 'vendor-id and device-id go together'));
    }
    if (iface.vxlan?.remote && !ipFamily(iface.vxlan.remote)) {
      out.push(error([...here, 'vxlan', 'remote'], `"${iface.vxlan.remote}" is not an IP address`));
    }
    out.push(...addressErrors(iface, here));
  });

  out.push(...routingErrors(state, at, absent));
  return out;
}

function selectorErrors(sel: LabelSelector | undefined, at: Seg): ValidationError[] {
  const out: ValidationError[] = [];
  sel?.matchExpressions?.forEach((e, i) => {
    const here = [...at, 'matchExpressions', i];
    const needs = e.operator === 'In' || e.operator === 'NotIn';
    if (needs && !e.values?.length) out.push(error([...here, 'values'], `operator ${e.operator} needs at least one value`));
    if (!needs && e.values?.length) out.push(error([...here, 'values'], `operator ${e.operator} takes no values`));
  });
  return out;
}

export function validateNetworkState(value: unknown, at: Seg = []): Validated<NetworkState> {
  // nmstate features fleetnet does not do are named as such, not reported as unknown fields
  const refused = unsupportedErrors(value, at);
  const errors = [...refused, ...withoutRefused(schemaErrors(NetworkState, value, at), refused)];
  if (errors.length) return { ok: false, errors };
  const semantic = stateSemanticErrors(value as NetworkState, at);
  return semantic.length ? { ok: false, errors: semantic } : { ok: true, value: value as NetworkState };
}

export function validatePolicy(value: unknown): Validated<HostNetworkPolicy> {
  const desired = (value as { spec?: { desiredState?: unknown } } | null)?.spec?.desiredState;
  const refused = unsupportedErrors(desired, ['spec', 'desiredState']);
  const errors = [...refused, ...withoutRefused(schemaErrors(HostNetworkPolicy, value), refused)];
  if (errors.length) return { ok: false, errors };
  const policy = value as HostNetworkPolicy;
  const templated = containsTemplate(policy.spec.desiredState);
  const over = checkStateLimits(policy.spec.desiredState as never, 'the desired state of a policy');
  const semantic = [
    ...(over ? [error(['spec', 'desiredState', ...(over.path ? over.path.split('.') : [])], over.message)] : []),
    ...selectorErrors(policy.spec.hostSelector, ['spec', 'hostSelector']),
    ...(templated ? [] : stateSemanticErrors(policy.spec.desiredState, ['spec', 'desiredState'])),
    ...policyRenderErrors(policy.spec, ['spec']).map((e) => error(e.segments, formatRenderError({ ...e, path: '' }))),
  ];
  return semantic.length ? { ok: false, errors: semantic } : { ok: true, value: policy };
}
