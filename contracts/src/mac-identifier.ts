import type { Nic } from './facts.ts';
import type { Interface, NetworkState } from './state.ts';
import { error, type ValidationError } from './validate.ts';

const sameMac = (a: string | undefined, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();

/**
 * nmstate's `identifier: mac-address`: the interface is the NIC with that MAC, whatever the kernel
 * calls it; `name` (and `profile-name`) only label it. Rewritten to the kernel name, without the two
 * labels, so that everything after (merge, plan, compare) works by name as usual.
 *
 * `strict` (the agent, against the links it read): a MAC no NIC has, or that several have, is an
 * error. Not strict (the controller, against the hello's NIC inventory, which may not list every
 * link): an unknown MAC is left for the agent to resolve or refuse.
 */
export function resolveMacIdentifiers(
  state: NetworkState,
  nics: readonly Pick<Nic, 'name' | 'mac'>[],
  opts: { at?: (string | number)[]; strict: boolean },
): { state: NetworkState; errors: ValidationError[] } {
  const ifaces = state.interfaces;
  if (!ifaces?.some((i) => i.identifier === 'mac-address' && i.state !== 'absent')) return { state, errors: [] };
  const errors: ValidationError[] = [];
  const out = ifaces.map((iface, i): Interface => {
    const mac = iface['mac-address'];
    if (iface.identifier !== 'mac-address' || !mac || iface.state === 'absent') return iface;
    const found = nics.filter((n) => sameMac(n.mac, mac));
    const here = [...(opts.at ?? []), 'interfaces', i, 'mac-address'];
    if (found.length > 1) errors.push(error(here, `several NICs have MAC ${mac} (${found.map((n) => n.name).join(', ')}): identifier: mac-address cannot tell them apart`));
    else if (!found.length && opts.strict) errors.push(error(here, `no NIC on this host has MAC ${mac} (identifier: mac-address)`));
    if (found.length !== 1) return iface;
    const { identifier: _i, 'profile-name': _p, ...rest } = iface;
    return { ...rest, name: found[0]!.name };
  });
  return { state: { ...state, interfaces: out }, errors };
}

/** The agent's NIC list for MAC identifiers: links as read, ethernet-like only (a bridge or bond may carry a NIC's MAC). */
export const macCandidates = (actual: NetworkState): Pick<Nic, 'name' | 'mac'>[] =>
  (actual.interfaces ?? [])
    .filter((i) => (i.type === 'ethernet' || i.type === 'veth') && i['mac-address'])
    .map((i) => ({ name: i.name, mac: i['mac-address'] }));
