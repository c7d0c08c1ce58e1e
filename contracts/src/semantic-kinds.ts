import type { Interface, PortVlan } from './state.ts';
import { error, type ValidationError } from './validate.ts';

type Seg = (string | number)[];

/** nmstate's kernel bond options (BondOptions), spelled as the kernel and iproute2 spell them. */
const BOND_OPTION_NAMES: ReadonlySet<string> = new Set([
  'ad_actor_sys_prio', 'ad_actor_system', 'ad_select', 'ad_user_port_key', 'all_slaves_active', 'arp_all_targets',
  'arp_interval', 'arp_ip_target', 'arp_missed_max', 'arp_validate', 'downdelay', 'fail_over_mac', 'lacp_rate', 'lp_interval',
  'miimon', 'min_links', 'num_grat_arp', 'num_unsol_na', 'packets_per_slave', 'primary', 'primary_reselect', 'resend_igmp',
  'tlb_dynamic_lb', 'updelay', 'use_carrier', 'xmit_hash_policy',
]);

/** Bridge options that belong to one kind of bridge only. */
const LINUX_BRIDGE_OPTIONS = [
  'vlan-filtering', 'mac-ageing-time', 'group-forward-mask', 'group-fwd-mask', 'multicast-snooping', 'hash-max', 'vlan-protocol',
  'group-addr', 'multicast-router', 'multicast-querier', 'multicast-query-use-ifaddr', 'multicast-last-member-count',
  'multicast-startup-query-count', 'multicast-last-member-interval', 'multicast-membership-interval', 'multicast-querier-interval',
  'multicast-query-interval', 'multicast-query-response-interval', 'multicast-startup-query-interval',
] as const;
const OVS_BRIDGE_OPTIONS = ['datapath', 'rstp', 'mcast-snooping-enable', 'fail-mode'] as const;
const LINUX_PORT_OPTIONS = ['stp-priority', 'stp-path-cost', 'stp-hairpin-mode'] as const;

/** nmstate's rules for a port's VLAN block (linux-bridge and ovs-bridge ports alike). */
export function portVlanErrors(v: PortVlan, at: Seg): ValidationError[] {
  const out: ValidationError[] = [];
  const mode = v.mode ?? 'access';
  const tags = v['trunk-tags'] ?? [];
  if (mode === 'access') {
    if (v['trunk-tags']) out.push(error([...at, 'trunk-tags'], 'an access port has no trunk tags'));
    if (v['enable-native'] !== undefined) out.push(error([...at, 'enable-native'], 'enable-native is a trunk setting, not one of an access port'));
  } else {
    if (!tags.length) out.push(error([...at, 'trunk-tags'], 'a trunk port needs trunk-tags'));
    // nmstate wants enable-native with a trunk's tag; fleetnet always read that tag as the native VLAN, so both spellings stay valid
    if (v['enable-native'] && v.tag === undefined) out.push(error([...at, 'enable-native'], 'enable-native needs tag (the native VLAN)'));
  }
  const seen: { min: number; max: number; i: number }[] = [];
  tags.forEach((t, i) => {
    const where = [...at, 'trunk-tags', i];
    if ((t.id === undefined) === (t['id-range'] === undefined)) {
      out.push(error(where, 'give exactly one of id and id-range'));
      return;
    }
    const r = t['id-range'];
    const min = t.id ?? r!.min;
    const max = t.id ?? r!.max;
    if (min > max) out.push(error([...where, 'id-range'], `min ${min} is above max ${max}`));
    const clash = seen.find((s) => min <= s.max && s.min <= max);
    if (clash) out.push(error(where, `overlaps trunk-tags[${clash.i}]`));
    seen.push({ min, max, i });
  });
  return out;
}

/** Rules of the kind-specific sections: aliases that must agree, options that belong to one kind. */
export function kindErrors(iface: Interface, here: Seg): ValidationError[] {
  const out: ValidationError[] = [];
  if (iface.description !== undefined && /["\\\n\r]/.test(iface.description)) {
    out.push(error([...here, 'description'], 'the kernel keeps it as the interface alias: no double quotes, backslashes or line breaks'));
  }
  const la = iface['link-aggregation'];
  if (la?.port && la.ports) out.push(error([...here, 'link-aggregation', 'ports'], 'give port or ports (the same list), not both'));
  const ports = new Set(la?.port ?? la?.ports ?? []);
  const queues = new Map<number, number>();
  la?.['ports-config']?.forEach((c, j) => {
    const where = [...here, 'link-aggregation', 'ports-config', j];
    if (!ports.has(c.name)) out.push(error([...where, 'name'], `"${c.name}" is not a port of this bond`));
    const q = c['queue-id'];
    if (q) {
      if (queues.has(q)) out.push(error([...where, 'queue-id'], `queue-id ${q} is also given to ports-config[${queues.get(q)}]`));
      queues.set(q, j);
    }
  });
  const opts = la?.options ?? {};
  for (const k of Object.keys(opts)) {
    const at = [...here, 'link-aggregation', 'options', k];
    // balance_slb is refused by name (nmstate-unsupported.ts)
    if (!BOND_OPTION_NAMES.has(k) && k !== 'balance_slb' && k !== 'balance-slb') out.push(error(at, `unknown bond option "${k}" (nmstate's names: ${[...BOND_OPTION_NAMES].join(', ')})`));
  }
  if (Number(opts.miimon ?? 0) > 0 && Number(opts.arp_interval ?? 0) > 0) {
    out.push(error([...here, 'link-aggregation', 'options'], 'miimon and arp_interval exclude each other: pick one link monitor'));
  }

  for (const k of ['mac-vlan', 'mac-vtap', 'macvlan'] as const) {
    const m = iface[k];
    if (!m) continue;
    if (m.promiscuous !== undefined && m['accept-all-mac'] !== undefined && m.promiscuous !== m['accept-all-mac']) {
      out.push(error([...here, k, 'accept-all-mac'], 'promiscuous and accept-all-mac are the same setting and disagree'));
    }
    if ((m.promiscuous ?? m['accept-all-mac']) === false && m.mode !== 'passthru') {
      out.push(error([...here, k, 'promiscuous'], 'promiscuous: false exists only in passthru mode'));
    }
  }

  const o = iface.bridge?.options;
  if (o) {
    const at = [...here, 'bridge', 'options'];
    if (o['group-fwd-mask'] !== undefined && o['group-forward-mask'] !== undefined && o['group-fwd-mask'] !== o['group-forward-mask']) {
      out.push(error([...at, 'group-fwd-mask'], 'group-fwd-mask and group-forward-mask are the same setting and disagree'));
    }
    const mask = o['group-forward-mask'] ?? o['group-fwd-mask'];
    if (mask !== undefined && (mask & 7) !== 0) out.push(error([...at, o['group-forward-mask'] !== undefined ? 'group-forward-mask' : 'group-fwd-mask'], 'the kernel never forwards 01:80:C2:00:00:00-02 (bits 0-2 must be 0)'));
    const wrong = iface.type === 'ovs-bridge' ? LINUX_BRIDGE_OPTIONS : iface.type === 'linux-bridge' ? OVS_BRIDGE_OPTIONS : [];
    for (const k of wrong) {
      if (o[k] !== undefined) out.push(error([...at, k], `${k} is ${iface.type === 'ovs-bridge' ? 'a linux-bridge' : 'an ovs-bridge'} option`));
    }
    if (iface.type === 'ovs-bridge' && typeof o.stp === 'object') {
      for (const k of ['hello-time', 'forward-delay', 'max-age', 'priority'] as const) {
        if (o.stp[k] !== undefined) out.push(error([...at, 'stp', k], `${k} is a linux-bridge STP setting; an ovs-bridge takes stp enabled only`));
      }
    }
  }
  if (iface.type === 'ovs-bridge') {
    iface.bridge?.port?.forEach((p, j) => {
      for (const k of LINUX_PORT_OPTIONS) {
        if (p[k] !== undefined) out.push(error([...here, 'bridge', 'port', j, k], `${k} is a linux-bridge port option`));
      }
    });
  }
  return out;
}
