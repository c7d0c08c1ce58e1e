import { bridgeOptionArgs, bridgePortLine, namedBridgeOptions } from '../bridge-options.ts';
import { portVlanLines } from '../port-vlans.ts';
import type { LinkKind } from './kind.ts';

export const linuxBridge: LinkKind = {
  createLine: (d) => `link add ${d.name} type bridge${bridgeOptionArgs(namedBridgeOptions(d.bridge?.options), undefined)}`,
  lowers: (i) => (i.type === 'linux-bridge' ? (i.bridge?.port ?? []).map((p) => ({ name: p.name, field: 'bridge.port' })) : []),
  // Every option that differs in one line: the kernel checks STP timers against each other.
  configureInPlace: (d, a) => {
    const args = bridgeOptionArgs(namedBridgeOptions(d.bridge?.options), namedBridgeOptions(a.bridge?.options));
    return args ? [`link set ${d.name} type bridge${args}`] : [];
  },
  ports: {
    wanted: (d) => d.bridge?.port?.map((p) => p.name),
    current: (a) => (a?.bridge?.port ?? []).map((p) => p.name),
    downFirst: false,
  },
  // Port VLANs: a port that was not already filtering in this bridge starts from the kernel's default (VLAN 1 untagged).
  bridgeLines: (d, a) => {
    const filtering = a?.bridge?.options?.['vlan-filtering'] === true;
    return (d.bridge?.port ?? []).flatMap((p) => {
      if (!p.vlan) return [];
      const ap = filtering ? a?.bridge?.port?.find((x) => x.name === p.name) : undefined;
      return portVlanLines(p.name, p.vlan, ap ? ap.vlan : { mode: 'access', tag: 1 });
    });
  },
  portSettings: (d, a) =>
    (d.bridge?.port ?? []).flatMap((p) => bridgePortLine(p.name, p, a?.bridge?.port?.find((x) => x.name === p.name)) ?? []),
};
