import type { PortVlan } from '@fleetnet/contracts';
import { showPortVlan } from '@fleetnet/contracts';
import { op, type OvsOp } from './op.ts';

export const showVlan = (v: PortVlan | undefined) => showPortVlan(v) ?? 'none';

/** OVS's trunks column is a set of ids: ranges are spelled out. */
const trunkIds = (v: PortVlan) =>
  [...new Set((v['trunk-tags'] ?? []).flatMap((t) => {
    const [lo, hi] = t.id !== undefined ? [t.id, t.id] : [t['id-range']!.min, t['id-range']!.max];
    return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  }))].sort((a, b) => a - b);

/** Port columns that give a new port its VLAN configuration (set in the same add-port/add-bond command). */
export function vlanColumns(v: PortVlan | undefined): string[] {
  if (!v) return [];
  if ((v.mode ?? 'access') === 'access') return v.tag !== undefined ? [`tag=${v.tag}`] : [];
  const trunks = trunkIds(v).join(',');
  return v.tag !== undefined
    ? ['vlan_mode=native-untagged', `tag=${v.tag}`, `trunks=${trunks}`]
    : ['vlan_mode=trunk', `trunks=${trunks}`];
}

/** Commands that take an existing port from its current VLAN setup to the desired one. */
export function vlanChange(port: string, want: PortVlan, have: PortVlan | undefined): OvsOp[] {
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
