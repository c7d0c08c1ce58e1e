import type { BridgePort, Interface } from '@fleetnet/contracts';
import type { PlanError } from '../../backend.ts';
import { op, type OvsOp } from './op.ts';
import type { Removals } from './removals.ts';
import type { OvsView } from './view.ts';
import { showVlan, vlanChange, vlanColumns } from './vlan.ts';

const sortedNames = (xs: { name: string }[]) => xs.map((x) => x.name).sort();

/** One port of bridge `d` (`ab`: the bridge as it is, unless new or replaced); `at` is its error path. */
function portOps(p: BridgePort, d: Interface, ab: Interface | undefined, v: OvsView, rm: Removals): OvsOp[] {
  const loc = v.location.get(p.name);
  const here = ab && loc && loc.bridge === d.name && loc.port === p.name && !rm.ports.has(p.name) ? loc : undefined;
  const ap = here ? ab?.bridge?.port?.find((x) => x.name === p.name) : undefined;
  const bond = p['link-aggregation'];
  // Frees an interface this port needs from whatever other port holds it now (moves between bridges/bonds).
  const claim = (member: string) => {
    const l = v.location.get(member);
    if (l && !rm.goneBridges.has(l.bridge) && !(l.bridge === d.name && l.port === p.name && here)) {
      rm.drop(l.port, `${member} moves to ${d.name}/${p.name}`);
    }
  };
  if (bond) {
    const members = sortedNames(bond.port);
    const sameBond = ap?.['link-aggregation'] && sortedNames(ap['link-aggregation'].port).join() === members.join();
    if (ap && sameBond) {
      const ops: OvsOp[] = [];
      if (ap['link-aggregation']!.mode !== bond.mode) {
        ops.push(op(p.name, `bond ${p.name}: mode ${ap['link-aggregation']!.mode} -> ${bond.mode}`, ['set', 'port', p.name, `bond_mode=${bond.mode}`]));
      }
      if (p.vlan) ops.push(...vlanChange(p.name, p.vlan, ap.vlan));
      return ops;
    }
    // OVS cannot change a bond's members in place: the bond is replaced within the same transaction.
    if (ap) rm.drop(p.name, `bond ${p.name} members change to ${members.join(',')}`);
    members.forEach(claim);
    return [op(p.name, `add bond ${p.name} (${bond.mode}: ${members.join(', ')}) to ${d.name}`,
      ['--may-exist', 'add-bond', d.name, p.name, ...members, `bond_mode=${bond.mode}`, ...vlanColumns(p.vlan)])];
  }
  const internal = v.internal.has(p.name);
  const peer = v.patches.get(p.name);
  const patchOp = () => op(p.name, `port ${p.name}: patch to ${peer}`, ['set', 'interface', p.name, 'type=patch', `options:peer=${peer}`]);
  if (ap && !ap['link-aggregation']) {
    const ops = p.vlan ? vlanChange(p.name, p.vlan, ap.vlan) : [];
    if (peer && v.aByName.get(p.name)?.patch?.peer !== peer) ops.push(patchOp());
    if (internal && v.aByName.get(p.name)?.type !== 'ovs-interface') {
      ops.push(op(p.name, `port ${p.name}: make internal`, ['set', 'interface', p.name, 'type=internal']));
    }
    return ops;
  }
  if (ap) rm.drop(p.name, `bond ${p.name} becomes a single port`);
  claim(p.name);
  const ops = [op(p.name, `add ${internal ? 'internal port' : 'port'} ${p.name} to ${d.name}${p.vlan ? ` (vlan ${showVlan(p.vlan)})` : ''}`,
    ['--may-exist', 'add-port', d.name, p.name, ...vlanColumns(p.vlan)])];
  if (internal) ops.push(op(p.name, `port ${p.name}: type internal`, ['set', 'interface', p.name, 'type=internal']));
  if (peer) ops.push(patchOp());
  return ops;
}

/** Every port of bridge `d` (interfaces[i]): a bridge cannot be a port of another. */
export function bridgePortOps(d: Interface, i: number, ab: Interface | undefined, v: OvsView, rm: Removals): { ops: OvsOp[]; errors: PlanError[] } {
  const ops: OvsOp[] = [];
  const errors: PlanError[] = [];
  (d.bridge?.port ?? []).forEach((p, j) => {
    if (v.dBridges.some((b) => b.name === p.name) || v.aBridges.has(p.name)) {
      errors.push({ path: `interfaces[${i}].bridge.port[${j}].name`, message: `"${p.name}" is an ovs-bridge and cannot be a port of ${d.name}` });
      return;
    }
    ops.push(...portOps(p, d, ab, v, rm));
  });
  return { ops, errors };
}
