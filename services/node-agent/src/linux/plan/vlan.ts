import type { LinkKind } from './kind.ts';

// iproute2 spells the protocols 802.1Q / 802.1ad; nmstate lower-case
const ipProtocol = (p: '802.1q' | '802.1ad') => (p === '802.1ad' ? '802.1ad' : '802.1Q');

export const vlan: LinkKind = {
  createLine: (d) => `link add ${d.name} link ${d.vlan!['base-iface']} type vlan${d.vlan!.protocol ? ` protocol ${ipProtocol(d.vlan!.protocol)}` : ''} id ${d.vlan!.id}`,
  lowers: (i) => (i.vlan ? [{ name: i.vlan['base-iface'], field: 'vlan.base-iface' }] : []),
  // the kernel changes neither id nor protocol of a vlan in place
  needsRecreate: (d, a) =>
    !!d.vlan && (d.vlan['base-iface'] !== a.vlan?.['base-iface'] || d.vlan.id !== a.vlan?.id ||
      (d.vlan.protocol !== undefined && d.vlan.protocol !== (a.vlan?.protocol ?? '802.1q'))),
  required: { field: 'vlan', message: 'a new vlan needs vlan.base-iface and id' },
};
