import type { Interface } from '@fleetnet/contracts';
import type { LinkKind } from './kind.ts';

export const veth: LinkKind = {
  createLine: (d) => `link add ${d.name} type veth peer name ${d.veth!.peer}`,
  needsRecreate: (d, a) => !!(d.veth && a.veth && a.veth.peer !== d.veth.peer),
  required: { field: 'veth', message: 'a new veth needs veth.peer' },
};

/** A veth pair is one kernel object: what creating and removing pairs does to the link sets. */
export interface VethPairing {
  /** peer name -> the veth whose creation creates it */
  createdPeers: Map<string, string>;
  errors: { name: string; field: string; message: string }[];
}

/**
 * Create each pair once and remove each pair once (edits `create` and `remove`), and check that a
 * peer name is free and that both ends agree. `fresh` gains the peers that will be new.
 */
export function pairVeths(
  create: Map<string, Interface>,
  remove: Set<string>,
  fresh: Set<string>,
  present: ReadonlyMap<string, Interface>,
  actualByName: ReadonlyMap<string, Interface>,
): VethPairing {
  const createdPeers = new Map<string, string>();
  const errors: VethPairing['errors'] = [];
  for (const [name, d] of [...create]) {
    const peer = d.veth?.peer;
    if (d.type !== 'veth' || !peer) continue;
    if (createdPeers.has(name)) {
      create.delete(name);
      continue;
    }
    const pd = present.get(peer);
    if (pd && pd.type === 'veth' && pd.veth && pd.veth.peer !== name) {
      errors.push({ name: peer, field: 'veth.peer', message: `"${peer}" is the peer of "${name}" but names "${pd.veth.peer}" as its own peer` });
    }
    const existing = actualByName.get(peer);
    if (existing && !remove.has(peer)) {
      errors.push({ name, field: 'veth.peer', message: `cannot create veth "${name}": its peer name "${peer}" is already taken by a ${existing.type ?? 'unknown'} interface` });
    }
    createdPeers.set(peer, name);
    fresh.add(peer);
    if (create.has(peer)) create.delete(peer);
  }
  for (const name of [...remove]) {
    const peer = actualByName.get(name)?.veth?.peer;
    if (peer && remove.has(peer) && name > peer) remove.delete(name);
  }
  return { createdPeers, errors };
}

/** Names whose old kernel object is gone for good: the peer of a removed veth goes with it. */
export function withRemovedPeers(removed: Set<string>, actualByName: ReadonlyMap<string, Interface>): Set<string> {
  for (const n of removed) {
    const peer = actualByName.get(n)?.veth?.peer;
    if (peer) removed.add(peer);
  }
  return removed;
}
