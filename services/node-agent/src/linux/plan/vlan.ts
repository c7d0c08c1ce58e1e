import type { Interface } from '@fleetnet/contracts';
import type { LinkKind } from './kind.ts';

// iproute2 spells the protocols 802.1Q / 802.1ad; nmstate lower-case
const ipProtocol = (p: '802.1q' | '802.1ad') => (p === '802.1ad' ? '802.1ad' : '802.1Q');

type Vlan = NonNullable<Interface['vlan']>;
const onOff = (b: boolean) => (b ? 'on' : 'off');

/** ` reorder_hdr off gvrp on ...` for the flags `want` names that `have` does not have (all named ones when new). */
function flagArgs(want: Vlan, have: Vlan | undefined): string {
  let out = '';
  const flag = (v: boolean | undefined, h: boolean | undefined, arg: string) => {
    if (v !== undefined && v !== h) out += ` ${arg} ${onOff(v)}`;
  };
  flag(want['reorder-headers'], have ? have['reorder-headers'] ?? true : undefined, 'reorder_hdr');
  flag(want['loose-binding'], have ? have['loose-binding'] ?? false : undefined, 'loose_binding');
  const reg = want['registration-protocol'];
  const hreg = have?.['registration-protocol'] ?? 'none';
  if (reg !== undefined && (!have || reg !== hreg)) {
    flag(reg === 'gvrp', have ? hreg === 'gvrp' : undefined, 'gvrp');
    flag(reg === 'mvrp', have ? hreg === 'mvrp' : undefined, 'mvrp');
  }
  return out;
}

export const vlan: LinkKind = {
  createLine: (d) => `link add ${d.name} link ${d.vlan!['base-iface']} type vlan${d.vlan!.protocol ? ` protocol ${ipProtocol(d.vlan!.protocol)}` : ''} id ${d.vlan!.id}${flagArgs(d.vlan!, undefined)}`,
  // the flags change in place
  configureInPlace: (d, a) => {
    const args = d.vlan ? flagArgs(d.vlan, a.vlan) : '';
    return args ? [`link set ${d.name} type vlan${args}`] : [];
  },
  lowers: (i) => (i.vlan ? [{ name: i.vlan['base-iface'], field: 'vlan.base-iface' }] : []),
  // the kernel changes neither id nor protocol of a vlan in place
  needsRecreate: (d, a) =>
    !!d.vlan && (d.vlan['base-iface'] !== a.vlan?.['base-iface'] || d.vlan.id !== a.vlan?.id ||
      (d.vlan.protocol !== undefined && d.vlan.protocol !== (a.vlan?.protocol ?? '802.1q'))),
  required: { field: 'vlan', message: 'a new vlan needs vlan.base-iface and id' },
};
