import type { Interface, NetworkState } from '@fleetnet/contracts';
import { OVS_TYPES } from '@fleetnet/contracts';

/** Where an interface sits in OVS today: the bridge, the port holding it, and whether it is a bond member. */
export interface Location {
  bridge: string;
  port: string;
  bondMember: boolean;
}

/** The lookups every step of the OVS planner shares, built once per plan. */
export interface OvsView {
  dIfaces: Interface[];
  aByName: ReadonlyMap<string, Interface>;
  aBridges: ReadonlyMap<string, Interface>;
  /** desired bridges not marked absent */
  dBridges: Interface[];
  /** desired internal ports */
  internal: ReadonlySet<string>;
  /** desired patch ports -> their peer */
  patches: ReadonlyMap<string, string>;
  location: ReadonlyMap<string, Location>;
  isOvs(name: string): boolean;
}

export function ovsView(desired: NetworkState, actual: NetworkState): OvsView {
  const dIfaces = desired.interfaces ?? [];
  const aIfaces = actual.interfaces ?? [];
  const aByName = new Map(aIfaces.map((i) => [i.name, i]));
  const aBridges = new Map(aIfaces.filter((i) => i.type === 'ovs-bridge').map((i) => [i.name, i]));
  const location = new Map<string, Location>();
  for (const [bridge, b] of aBridges) {
    for (const p of b.bridge?.port ?? []) {
      location.set(p.name, { bridge, port: p.name, bondMember: false });
      for (const m of p['link-aggregation']?.port ?? []) location.set(m.name, { bridge, port: p.name, bondMember: true });
    }
  }
  const present = dIfaces.filter((i) => i.state !== 'absent');
  return {
    dIfaces,
    aByName,
    aBridges,
    dBridges: present.filter((i) => i.type === 'ovs-bridge'),
    internal: new Set(present.filter((i) => i.type === 'ovs-interface' && !i.patch).map((i) => i.name)),
    patches: new Map(present.filter((i) => i.type === 'ovs-interface' && i.patch).map((i) => [i.name, i.patch!.peer])),
    location,
    isOvs: (name) => OVS_TYPES.has(aByName.get(name)?.type ?? ''),
  };
}
