import type { Interface } from './state.ts';
import { error, type ValidationError } from './validate.ts';

type Seg = (string | number)[];

/**
 * nmstate's interface identity and LLDP keys. `identifier: mac-address` names the NIC by its MAC
 * (nic-select.ts resolves it to the kernel name), so the MAC must be there and a PCI match cannot also
 * be. (LLDP, `enabled: true` or false, is run by the agent's own lldpd: nothing to refuse.)
 */
export function identityErrors(iface: Interface, here: Seg): ValidationError[] {
  const out: ValidationError[] = [];
  if (iface.identifier === 'mac-address') {
    if (!iface['mac-address']) out.push(error([...here, 'mac-address'], 'is required with identifier: mac-address (it names the NIC)'));
    if (iface['fleetnet.io/match']) out.push(error([...here, 'identifier'], 'a NIC is selected either by MAC (identifier: mac-address) or by fleetnet.io/match, not both'));
  }
  return out;
}
