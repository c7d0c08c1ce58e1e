import type { LinkKind } from './kind.ts';

export const macvlan: LinkKind = {
  createLine: (d) => `link add ${d.name} link ${d.macvlan!['base-iface']} type macvlan mode ${d.macvlan!.mode}`,
  lowers: (i) => (i.macvlan ? [{ name: i.macvlan['base-iface'], field: 'macvlan.base-iface' }] : []),
  needsRecreate: (d, a) => !!d.macvlan && (d.macvlan['base-iface'] !== a.macvlan?.['base-iface'] || d.macvlan.mode !== a.macvlan?.mode),
  required: { field: 'macvlan', message: 'a new macvlan needs macvlan.base-iface and mode' },
};
