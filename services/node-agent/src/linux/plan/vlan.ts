import type { LinkKind } from './kind.ts';

export const vlan: LinkKind = {
  createLine: (d) => `link add ${d.name} link ${d.vlan!['base-iface']} type vlan id ${d.vlan!.id}`,
  lowers: (i) => (i.vlan ? [{ name: i.vlan['base-iface'], field: 'vlan.base-iface' }] : []),
  needsRecreate: (d, a) => !!d.vlan && (d.vlan['base-iface'] !== a.vlan?.['base-iface'] || d.vlan.id !== a.vlan?.id),
  required: { field: 'vlan', message: 'a new vlan needs vlan.base-iface and id' },
};
