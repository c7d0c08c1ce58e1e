import type { Nic } from './facts.ts';
import type { Interface, NetworkState, NicMatch } from './state.ts';
import { error, type ValidationError } from './validate.ts';

/** Does a NIC satisfy every criterion of a `fleetnet.io/match`? PCI ids compare case-insensitively. */
export function nicMatches(nic: Nic, m: NicMatch): boolean {
  const eq = (a: string | undefined, b: string | undefined) => b === undefined || (a ?? '').toLowerCase() === b.toLowerCase();
  return eq(nic.pciAddress, m['pci-address']) && eq(nic.vendorId, m['vendor-id']) && eq(nic.deviceId, m['device-id']);
}

const describeMatch = (m: NicMatch) =>
  Object.entries(m).map(([k, v]) => `${k}=${v}`).join(', ');

/**
 * Replaces interfaces selected by hardware identity (`fleetnet.io/match`) with the host's real NICs.
 * One entry may expand to several NICs (all cards of one model); no match is an error, never a silent skip.
 */
export function resolveNicMatches(
  state: NetworkState,
  nics: readonly Nic[],
  at: (string | number)[] = [],
): { state: NetworkState; errors: ValidationError[] } {
  const errors: ValidationError[] = [];
  const out: Interface[] = [];
  (state.interfaces ?? []).forEach((iface, i) => {
    const match = iface['fleetnet.io/match'];
    if (!match) {
      out.push(iface);
      return;
    }
    const found = nics.filter((n) => nicMatches(n, match));
    if (!found.length) {
      errors.push(error([...at, 'interfaces', i, 'fleetnet.io/match'], `no NIC on this host matches ${describeMatch(match)}`));
      return;
    }
    for (const nic of found) {
      const { ['fleetnet.io/match']: _, ...rest } = iface;
      out.push({ ...rest, name: nic.name });
    }
  });
  const seen = new Set<string>();
  for (const [i, iface] of out.entries()) {
    if (seen.has(iface.name)) errors.push(error([...at, 'interfaces', i], `NIC "${iface.name}" is selected twice`));
    seen.add(iface.name);
  }
  return { state: state.interfaces ? { ...state, interfaces: out } : state, errors };
}
