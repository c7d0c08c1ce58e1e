import { stpOf } from './canonical.ts';
import type { Interface, NetworkState, PortVlan, TrunkTag } from './state.ts';

/** Records one compared property (compare.ts's Results.add). */
export type AddResult = (path: string, property: string, expected: unknown, actual: unknown, inSync?: boolean) => void;

/** The VLAN ids of trunk tags as sorted, merged ranges: `{id: 5}, {id-range: 6..9}` and `{id-range: 5..9}` are the same. */
export function trunkRanges(tags: readonly TrunkTag[] | undefined): string {
  const ranges = (tags ?? [])
    .map((t) => (t.id !== undefined ? [t.id, t.id] : [t['id-range']!.min, t['id-range']!.max]) as [number, number])
    .sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const [lo, hi] of ranges) {
    const last = merged.at(-1);
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else merged.push([lo, hi]);
  }
  return merged.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(',');
}

/** A port's VLAN setting in one comparable string. */
export const showPortVlan = (v: PortVlan | undefined): string | null =>
  v ? `${v.mode ?? 'access'}:${v.tag ?? ''}${v['trunk-tags']?.length ? `:${trunkRanges(v['trunk-tags'])}` : ''}` : null;

const BRIDGE_OPTION_KEYS = [
  'vlan-filtering', 'mac-ageing-time', 'group-forward-mask', 'multicast-snooping', 'hash-max', 'vlan-protocol',
  'group-addr', 'multicast-router', 'multicast-querier', 'multicast-query-use-ifaddr', 'multicast-last-member-count',
  'multicast-startup-query-count', 'multicast-last-member-interval', 'multicast-membership-interval', 'multicast-querier-interval',
  'multicast-query-interval', 'multicast-query-response-interval', 'multicast-startup-query-interval',
  'datapath', 'rstp', 'mcast-snooping-enable', 'fail-mode',
] as const;
/** What the kernel or OVS reports when it says nothing (off, and OVS's unset fail mode). */
const UNSET: Partial<Record<string, unknown>> = { 'vlan-filtering': false, rstp: false, 'mcast-snooping-enable': false, 'fail-mode': '' };

/** Property names older reports already use. */
const PROPERTY: Partial<Record<string, string>> = { 'vlan-filtering': 'vlan_filtering', datapath: 'ovs_datapath' };

/** A bridge's options the desired state names (linux-bridge and ovs-bridge alike). */
export function compareBridgeOptions(add: AddResult, p: string, d: Interface, a: Interface) {
  const o = d.bridge?.options;
  if (o) {
    const ao = a.bridge?.options;
    const stp = stpOf(o);
    const astp = stpOf(ao);
    for (const [k, v] of Object.entries(stp ?? {})) {
      const av = (astp as Record<string, unknown> | undefined)?.[k];
      add(`${p}.bridge.options.stp.${k}`, k === 'enabled' ? 'stp' : `stp_${k.replace(/-/g, '_')}`, v, av ?? (k === 'enabled' ? false : undefined));
    }
    for (const k of BRIDGE_OPTION_KEYS) {
      const v = o[k];
      if (v !== undefined) add(`${p}.bridge.options.${k}`, PROPERTY[k] ?? `bridge_${k.replace(/-/g, '_')}`, v, ao?.[k] ?? UNSET[k]);
    }
  }
}

/**
 * The kind-specific sections nmstate's examples use beyond the basics compare.ts does itself: only
 * what `d` names is compared. `d` and `a` are canonical (canonical.ts).
 */
export function compareKinds(add: AddResult, p: string, d: Interface, a: Interface, actualByName: ReadonlyMap<string, Interface>) {
  if (d.vrf) {
    add(`${p}.vrf.route-table-id`, 'vrf_table', d.vrf['route-table-id'], a.vrf?.['route-table-id']);
    if (d.vrf.port) add(`${p}.vrf.port`, 'vrf_ports', [...d.vrf.port].sort(), [...(a.vrf?.port ?? [])].sort());
  }
  if (d.ipvlan) {
    add(`${p}.ipvlan.base-iface`, 'ipvlan_base_iface', d.ipvlan['base-iface'], a.ipvlan?.['base-iface']);
    add(`${p}.ipvlan.mode`, 'ipvlan_mode', d.ipvlan.mode, a.ipvlan?.mode);
    for (const k of ['private', 'vepa'] as const) if (d.ipvlan[k] !== undefined) add(`${p}.ipvlan.${k}`, `ipvlan_${k}`, d.ipvlan[k], a.ipvlan?.[k] ?? false);
  }
  if (d.description !== undefined) add(`${p}.description`, 'description', d.description, a.description ?? '');
  if (d.vlan?.protocol) add(`${p}.vlan.protocol`, 'vlan_protocol', d.vlan.protocol, a.vlan?.protocol ?? '802.1q');
  for (const k of ['reorder-headers', 'loose-binding', 'registration-protocol'] as const) {
    const v = d.vlan?.[k];
    if (v !== undefined) add(`${p}.vlan.${k}`, `vlan_${k.replace(/-/g, '_')}`, v, a.vlan?.[k]);
  }

  for (const c of d['link-aggregation']?.['ports-config'] ?? []) {
    const ac = a['link-aggregation']?.['ports-config']?.find((x) => x.name === c.name);
    if (c['queue-id'] !== undefined) add(`${p}.link-aggregation.ports-config[${c.name}].queue-id`, 'bond_port_queue_id', c['queue-id'], ac?.['queue-id']);
    if (c.priority !== undefined) add(`${p}.link-aggregation.ports-config[${c.name}].priority`, 'bond_port_priority', c.priority, ac?.priority);
  }

  for (const port of d.bridge?.port ?? []) {
    const ap = a.bridge?.port?.find((x) => x.name === port.name);
    for (const k of ['stp-priority', 'stp-path-cost', 'stp-hairpin-mode'] as const) {
      if (port[k] !== undefined) add(`${p}.bridge.port[${port.name}].${k}`, `bridge_port_${k.replace(/-/g, '_')}`, port[k], ap?.[k]);
    }
  }

  for (const k of ['mac-vlan', 'mac-vtap'] as const) {
    const m = d[k];
    if (!m) continue;
    add(`${p}.${k}.base-iface`, 'macvlan_base_iface', m['base-iface'], a[k]?.['base-iface']);
    add(`${p}.${k}.mode`, 'macvlan_mode', m.mode, a[k]?.mode);
    if (m.promiscuous !== undefined) add(`${p}.${k}.promiscuous`, 'macvlan_promiscuous', m.promiscuous, a[k]?.promiscuous ?? true);
  }
  const ms = d.macsec;
  if (ms) {
    const am = a.macsec;
    add(`${p}.macsec.base-iface`, 'macsec_base_iface', ms['base-iface'], am?.['base-iface']);
    add(`${p}.macsec.encrypt`, 'macsec_encrypt', ms.encrypt, am?.encrypt);
    // port 0 is nmstate's "default", which the kernel makes 1
    add(`${p}.macsec.port`, 'macsec_port', ms.port || 1, am?.port);
    add(`${p}.macsec.validation`, 'macsec_validation', ms.validation, am?.validation);
    add(`${p}.macsec.send-sci`, 'macsec_send_sci', ms['send-sci'], am?.['send-sci']);
    if (ms.offload !== undefined) add(`${p}.macsec.offload`, 'macsec_offload', ms.offload, am?.offload ?? 'off');
    // MKA: the CKN the running supplicant reports (none when it is not running); the CAK is never read back, so never compared
    if (ms['mka-ckn'] !== undefined) add(`${p}.macsec.mka-ckn`, 'macsec_mka_ckn', ms['mka-ckn'].toLowerCase(), am?.['mka-ckn']?.toLowerCase());
  }
  if (d.patch) add(`${p}.patch.peer`, 'ovs_patch_peer', d.patch.peer, a.patch?.peer);
  const autoprobe = d.ethernet?.['sr-iov']?.['drivers-autoprobe'];
  if (autoprobe !== undefined) add(`${p}.ethernet.sr-iov.drivers-autoprobe`, 'sriov_drivers_autoprobe', autoprobe, a.ethernet?.['sr-iov']?.['drivers-autoprobe']);
  const from = d['copy-mac-from'];
  if (from) {
    const mac = actualByName.get(from)?.['mac-address']?.toLowerCase();
    add(`${p}.copy-mac-from`, 'mac_address', mac ?? null, a['mac-address']?.toLowerCase(), mac !== undefined && mac === a['mac-address']?.toLowerCase());
  }
}

/** Open vSwitch's global external_ids / other_config: each key named is set to its value, or gone when null. */
export function compareOvsDb(add: AddResult, desired: NetworkState, actual: NetworkState) {
  for (const col of ['external_ids', 'other_config'] as const) {
    for (const [k, v] of Object.entries(desired['ovs-db']?.[col] ?? {})) {
      add(`ovs-db.${col}.${k}`, `ovs_${col}`, v, actual['ovs-db']?.[col]?.[k] ?? null);
    }
  }
}
