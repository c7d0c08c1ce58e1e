import type { Ipvlan } from '@fleetnet/contracts';
import type { LinkKind } from './kind.ts';

/** `ip link` spells nmstate's private/vepa flags as one word; neither is bridge, the kernel's default. */
const flag = (i: Ipvlan | undefined) => (i?.private ? 'private' : i?.vepa ? 'vepa' : 'bridge');

/** An IPVLAN on its base interface; base, mode and flag are fixed at creation. */
export const ipvlan: LinkKind = {
  createLine: (d) => `link add ${d.name} link ${d.ipvlan!['base-iface']} type ipvlan mode ${d.ipvlan!.mode} ${flag(d.ipvlan)}`,
  lowers: (i) => (i.ipvlan ? [{ name: i.ipvlan['base-iface'], field: 'ipvlan.base-iface' }] : []),
  needsRecreate: (d, a) =>
    !!d.ipvlan && (d.ipvlan['base-iface'] !== a.ipvlan?.['base-iface'] || d.ipvlan.mode !== a.ipvlan?.mode || flag(d.ipvlan) !== flag(a.ipvlan)),
  required: { field: 'ipvlan', message: 'a new ipvlan needs ipvlan.base-iface and mode' },
};
