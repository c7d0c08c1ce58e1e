import type { HostNetworkPolicy } from '@fleetnet/contracts';

/** The demo's groups: odd hosts carry storage (OVS bond + VLAN), even hosts compute (bridge + MTU). */
export type Role = 'storage' | 'compute';
export const roleOf = (index: number): Role => (index % 2 === 1 ? 'storage' : 'compute');
export const demoHostName = (index: number) => `demo-h${index}`;

/** The data-plane address of host `index`: on stor100 (VLAN 100) or on br-vm. */
export function dataAddress(index: number): { iface: string; ip: string } {
  return roleOf(index) === 'storage' ? { iface: 'stor100', ip: `10.100.0.${10 + index}` } : { iface: 'br-vm', ip: `10.200.0.${10 + index}` };
}

/**
 * The per-host address policy for a host past the ones written out in
 * deploy/examples/demo/40-host-addresses.yaml (which covers the default three).
 */
export function hostAddressPolicy(index: number): HostNetworkPolicy {
  const host = demoHostName(index);
  const { iface, ip } = dataAddress(index);
  return {
    apiVersion: 'fleetnet.io/v1',
    kind: 'HostNetworkPolicy',
    metadata: { name: `demo-addr-${host}` },
    spec: {
      hostSelector: { matchLabels: { 'kubernetes.io/hostname': host } },
      desiredState: { interfaces: [{ name: iface, ipv4: { enabled: true, address: [{ ip, 'prefix-length': 24 }] } }] },
    },
  };
}
