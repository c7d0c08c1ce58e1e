import type { BridgePort, Interface, NetworkState, PortVlan } from '@fleetnet/contracts';
import { LINUX_CREATABLE, OVS_TYPES } from '@fleetnet/contracts';
import type { BackendPlan, Operation, PlanContext, PlanError } from '../backend.ts';

type OvsOp = Extract<Operation, { backend: 'ovs' }>;

/** Kernel link kinds whose name an OVS bridge or internal port cannot take over in place. */
const LINUX_KINDS: ReadonlySet<string> = new Set([...LINUX_CREATABLE, 'ethernet']);

const op = (target: string, description: string, args: string[]): OvsOp =>
  ({ backend: 'ovs', stage: 'ovs', target, description, args });

/** Where an interface sits in OVS today: the bridge, the port holding it, and whether it is a bond member. */
interface Location {
  bridge: string;
  port: string;
  bondMember: boolean;
}

const showVlan = (v: PortVlan | undefined) =>
  v
    ? `${v.mode ?? 'access'}:${v.tag ?? ''}:${(v['trunk-tags'] ?? []).map((t) => t.id).sort((a, b) => a - b).join(',')}`
    : 'none';

/** Port columns that give a new port its VLAN configuration (set in the same add-port/add-bond command). */
function vlanColumns(v: PortVlan | undefined): string[] {
  if (!v) return [];
  if ((v.mode ?? 'access') === 'access') return v.tag !== undefined ? [`tag=${v.tag}`] : [];
  const trunks = (v['trunk-tags'] ?? []).map((t) => t.id).sort((a, b) => a - b).join(',');
  return v.tag !== undefined
    ? ['vlan_mode=native-untagged', `tag=${v.tag}`, `trunks=${trunks}`]
    : ['vlan_mode=trunk', `trunks=${trunks}`];
}

/** Commands that take an existing port from its current VLAN setup to the desired one. */
function vlanChange(port: string, want: PortVlan, have: PortVlan | undefined): OvsOp[] {
  if (showVlan(want) === showVlan(have)) return [];
  const desc = `port ${port}: vlan ${showVlan(have)} -> ${showVlan(want)}`;
  if ((want.mode ?? 'access') === 'access') {
    if (want.tag === undefined) return [];
    // Only the tag differs on an access port: change it in place, the port stays (no remove/add flap).
    if (have && (have.mode ?? 'access') === 'access') return [op(port, desc, ['set', 'port', port, `tag=${want.tag}`])];
    return [
      op(port, desc, ['set', 'port', port, 'vlan_mode=access', `tag=${want.tag}`]),
      op(port, `port ${port}: clear trunks`, ['clear', 'port', port, 'trunks']),
    ];
  }
  const ops = [op(port, desc, ['set', 'port', port, ...vlanColumns(want)])];
  if (want.tag === undefined) ops.push(op(port, `port ${port}: clear native tag`, ['clear', 'port', port, 'tag']));
  return ops;
}

const sortedNames = (xs: { name: string }[]) => xs.map((x) => x.name).sort();

/**
 * Pure: the ovs-vsctl commands (one transaction) that take `actual` to `desired` for OVS bridges,
 * ports, bonds, VLAN tags and internal ports. Removals come first, then bridges, then ports.
 * Bridges and ports the desired state does not name are left alone; `state: absent` removes;
 * a bridge's `port` list, when given, is the complete list of its ports. Interfaces fleetnet created
 * (`ctx.created`) that nothing names any more are removed.
 */
export function planOvs(desired: NetworkState, actual: NetworkState, ctx: PlanContext): BackendPlan {
  const errors: PlanError[] = [];
  const dIfaces = desired.interfaces ?? [];
  const aIfaces = actual.interfaces ?? [];
  const aByName = new Map(aIfaces.map((i) => [i.name, i]));
  const aBridges = new Map(aIfaces.filter((i) => i.type === 'ovs-bridge').map((i) => [i.name, i]));
  const isOvs = (name: string) => OVS_TYPES.has(aByName.get(name)?.type ?? '');

  const location = new Map<string, Location>();
  for (const [bridge, b] of aBridges) {
    for (const p of b.bridge?.port ?? []) {
      location.set(p.name, { bridge, port: p.name, bondMember: false });
      for (const m of p['link-aggregation']?.port ?? []) location.set(m.name, { bridge, port: p.name, bondMember: true });
    }
  }

  const present = dIfaces.filter((i) => i.state !== 'absent');
  const dBridges = present.filter((i) => i.type === 'ovs-bridge');
  const internal = new Set(present.filter((i) => i.type === 'ovs-interface').map((i) => i.name));
  const named = new Set(dIfaces.map((i) => i.name));
  for (const b of dBridges) for (const p of b.bridge?.port ?? []) named.add(p.name);

  const delBridges: string[] = [];
  const delPorts = new Set<string>();
  const removeReason = new Map<string, string>();
  const dropPort = (port: string, why: string) => {
    if (!delPorts.has(port)) removeReason.set(port, why);
    delPorts.add(port);
  };

  // Removals: absent, no longer wanted after fleetnet created it, or no longer in a bridge's port list.
  dIfaces.forEach((d) => {
    if (d.state !== 'absent') return;
    if (aBridges.has(d.name)) delBridges.push(d.name);
    else if (location.get(d.name)?.port === d.name) dropPort(d.name, 'state: absent');
  });
  for (const name of [...ctx.created].sort()) {
    if (named.has(name) || !isOvs(name)) continue;
    if (aBridges.has(name)) delBridges.push(name);
    else if (location.has(name)) dropPort(name, 'created by fleetnet and no longer named');
  }
  for (const b of dBridges) {
    const ab = aBridges.get(b.name);
    if (!ab || !b.bridge?.port) continue;
    const want = new Set(b.bridge.port.map((p) => p.name));
    for (const p of ab.bridge?.port ?? []) if (!want.has(p.name)) dropPort(p.name, `not in ${b.name}'s port list`);
  }
  const goneBridges = new Set(delBridges);

  const creates: OvsOp[] = [];
  dIfaces.forEach((d, i) => {
    if (d.state === 'absent') return;
    const at = `interfaces[${i}]`;
    const a = aByName.get(d.name);
    if (OVS_TYPES.has(d.type ?? '') && a && LINUX_KINDS.has(a.type ?? '')) {
      errors.push({ path: `${at}.type`, message: `"${d.name}" exists as a ${a.type}; changing it to ${d.type} in place is not supported: remove it (state: absent) in one apply, then create it` });
      return;
    }
    if (d.type && !OVS_TYPES.has(d.type) && LINUX_CREATABLE.has(d.type) && isOvs(d.name)) {
      errors.push({ path: `${at}.type`, message: `"${d.name}" exists as an ${a?.type}; changing it to ${d.type} in place is not supported: remove it (state: absent) in one apply, then create it` });
      return;
    }
    if (d.type === 'ovs-interface') {
      const listed = dBridges.some((b) => b.bridge?.port?.some((p) => p.name === d.name));
      if (!listed && a?.type !== 'ovs-interface') {
        errors.push({ path: at, message: `ovs-interface "${d.name}" must be listed in the port list of an ovs-bridge in the same desired state` });
      }
      return;
    }
    if (d.type !== 'ovs-bridge') return;

    const ab = goneBridges.has(d.name) ? undefined : aBridges.get(d.name);
    const opts = d.bridge?.options;
    if (!ab) {
      creates.push(op(d.name, `create ovs-bridge ${d.name}`, ['--may-exist', 'add-br', d.name]));
      const cols = [
        ...(opts?.datapath ? [`datapath_type=${opts.datapath}`] : []),
        ...(opts?.stp?.enabled ? ['stp_enable=true'] : []),
      ];
      if (cols.length) creates.push(op(d.name, `bridge ${d.name}: ${cols.join(' ')}`, ['set', 'bridge', d.name, ...cols]));
    } else {
      const have = ab.bridge?.options;
      if (opts?.datapath && opts.datapath !== (have?.datapath ?? 'system')) {
        creates.push(op(d.name, `bridge ${d.name}: datapath ${have?.datapath ?? 'system'} -> ${opts.datapath}`, ['set', 'bridge', d.name, `datapath_type=${opts.datapath}`]));
      }
      const stp = opts?.stp?.enabled;
      if (stp !== undefined && stp !== (have?.stp?.enabled ?? false)) {
        creates.push(op(d.name, `bridge ${d.name}: stp ${stp ? 'on' : 'off'}`, ['set', 'bridge', d.name, `stp_enable=${stp}`]));
      }
    }

    (d.bridge?.port ?? []).forEach((p, j) => {
      const pat = `${at}.bridge.port[${j}]`;
      if (dBridges.some((b) => b.name === p.name) || aBridges.has(p.name)) {
        errors.push({ path: `${pat}.name`, message: `"${p.name}" is an ovs-bridge and cannot be a port of ${d.name}` });
        return;
      }
      const loc = location.get(p.name);
      const here = ab && loc && loc.bridge === d.name && loc.port === p.name && !delPorts.has(p.name) ? loc : undefined;
      const ap = here ? ab?.bridge?.port?.find((x) => x.name === p.name) : undefined;
      const bond = p['link-aggregation'];
      // Frees an interface this port needs from whatever other port holds it now (moves between bridges/bonds).
      const claim = (member: string) => {
        const l = location.get(member);
        if (l && !goneBridges.has(l.bridge) && !(l.bridge === d.name && l.port === p.name && here)) {
          dropPort(l.port, `${member} moves to ${d.name}/${p.name}`);
        }
      };
      if (bond) {
        const members = sortedNames(bond.port);
        const sameBond = ap?.['link-aggregation'] && sortedNames(ap['link-aggregation'].port).join() === members.join();
        if (ap && sameBond) {
          if (ap['link-aggregation']!.mode !== bond.mode) {
            creates.push(op(p.name, `bond ${p.name}: mode ${ap['link-aggregation']!.mode} -> ${bond.mode}`, ['set', 'port', p.name, `bond_mode=${bond.mode}`]));
          }
          if (p.vlan) creates.push(...vlanChange(p.name, p.vlan, ap.vlan));
          return;
        }
        // OVS cannot change a bond's members in place: the bond is replaced within the same transaction.
        if (ap) dropPort(p.name, `bond ${p.name} members change to ${members.join(',')}`);
        members.forEach(claim);
        creates.push(op(p.name, `add bond ${p.name} (${bond.mode}: ${members.join(', ')}) to ${d.name}`,
          ['--may-exist', 'add-bond', d.name, p.name, ...members, `bond_mode=${bond.mode}`, ...vlanColumns(p.vlan)]));
        return;
      }
      if (ap && !ap['link-aggregation']) {
        if (p.vlan) creates.push(...vlanChange(p.name, p.vlan, ap.vlan));
        if (internal.has(p.name) && aByName.get(p.name)?.type !== 'ovs-interface') {
          creates.push(op(p.name, `port ${p.name}: make internal`, ['set', 'interface', p.name, 'type=internal']));
        }
        return;
      }
      if (ap) dropPort(p.name, `bond ${p.name} becomes a single port`);
      claim(p.name);
      const kind = internal.has(p.name) ? 'internal port' : 'port';
      creates.push(op(p.name, `add ${kind} ${p.name} to ${d.name}${p.vlan ? ` (vlan ${showVlan(p.vlan)})` : ''}`,
        ['--may-exist', 'add-port', d.name, p.name, ...vlanColumns(p.vlan)]));
      if (internal.has(p.name)) creates.push(op(p.name, `port ${p.name}: type internal`, ['set', 'interface', p.name, 'type=internal']));
    });
  });

  const removals: OvsOp[] = [
    ...[...delPorts].filter((p) => !goneBridges.has(location.get(p)?.bridge ?? '')).map((p) =>
      op(p, `remove port ${p} (${removeReason.get(p)})`, ['--if-exists', 'del-port', p])),
    ...[...new Set(delBridges)].map((b) => op(b, `remove ovs-bridge ${b}`, ['--if-exists', 'del-br', b])),
  ];
  return { operations: errors.length ? [] : [...removals, ...creates], errors };
}
