import type { Interface, LinuxCreatableType } from '@fleetnet/contracts';
import { bond } from './bond.ts';
import { linuxBridge } from './bridge.ts';
import type { LinkKind } from './kind.ts';
import { dummy } from './dummy.ts';
import { ipvlan } from './ipvlan.ts';
import { macVlan, macVtap } from './mac-vlan.ts';
import { macsec } from './macsec.ts';
import { veth } from './veth.ts';
import { vlan } from './vlan.ts';
import { vrf } from './vrf.ts';
import { vxlan } from './vxlan.ts';

/** Every type contracts calls Linux-creatable has its planner file here (the compiler checks it). */
export const LINK_KINDS: Readonly<Record<LinuxCreatableType, LinkKind>> = {
  veth,
  bond,
  vlan,
  'linux-bridge': linuxBridge,
  'mac-vlan': macVlan,
  'mac-vtap': macVtap,
  macsec,
  vxlan,
  dummy,
  vrf,
  ipvlan,
};

export const kindOf = (type: string | undefined): LinkKind | undefined =>
  type !== undefined && Object.hasOwn(LINK_KINDS, type) ? LINK_KINDS[type as LinuxCreatableType] : undefined;

/** Interfaces below `i` in the stack: what must exist before it and be removed after it. */
export const lowersOf = (i: Interface): { name: string; field: string }[] =>
  Object.values(LINK_KINDS).flatMap((k) => k.lowers?.(i) ?? []);

export const needsRecreate = (d: Interface, a: Interface): boolean =>
  Object.values(LINK_KINDS).some((k) => k.needsRecreate?.(d, a) ?? false);

export function createLine(d: Interface): string {
  const kind = kindOf(d.type);
  if (!kind) throw new Error(`cannot create type ${d.type}`);
  return kind.createLine(d);
}
