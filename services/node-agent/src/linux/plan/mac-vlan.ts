import type { Interface, Macvlan } from '@fleetnet/contracts';
import type { LinkKind } from './kind.ts';

/** mac-vlan and mac-vtap: the same driver family, created on a lower device, immutable after creation. */
function macKind(section: 'mac-vlan' | 'mac-vtap', ipType: 'macvlan' | 'macvtap'): LinkKind {
  const of = (i: Interface): Macvlan | undefined => i[section];
  return {
    createLine: (d) => {
      const m = of(d)!;
      // nopromisc keeps a passthru lower device out of promiscuous mode (nmstate's promiscuous: false)
      return `link add ${d.name} link ${m['base-iface']} type ${ipType} mode ${m.mode}${m.promiscuous === false ? ' nopromisc' : ''}`;
    },
    lowers: (i) => (of(i) ? [{ name: of(i)!['base-iface'], field: `${i.macvlan && section === 'mac-vlan' ? 'macvlan' : section}.base-iface` }] : []),
    needsRecreate: (d, a) => {
      const m = of(d);
      const h = of(a);
      if (!m) return false;
      return m['base-iface'] !== h?.['base-iface'] || m.mode !== h?.mode || (m.promiscuous !== undefined && m.promiscuous !== (h?.promiscuous ?? true));
    },
    required: { field: section, message: `a new ${section} needs ${section}.base-iface and mode` },
  };
}

export const macVlan = macKind('mac-vlan', 'macvlan');
export const macVtap = macKind('mac-vtap', 'macvtap');
