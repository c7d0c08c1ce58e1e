import type { LinkKind } from './kind.ts';

export const linuxBridge: LinkKind = {
  createLine: (d) => {
    const o = d.bridge?.options;
    let line = `link add ${d.name} type bridge`;
    if (o?.stp?.enabled !== undefined) line += ` stp_state ${o.stp.enabled ? 1 : 0}`;
    if (o?.['vlan-filtering'] !== undefined) line += ` vlan_filtering ${o['vlan-filtering'] ? 1 : 0}`;
    return line;
  },
  lowers: (i) => (i.type === 'linux-bridge' ? (i.bridge?.port ?? []).map((p) => ({ name: p.name, field: 'bridge.port' })) : []),
  configureInPlace: (d, a) => {
    const n = d.name;
    const lines: string[] = [];
    const stp = d.bridge?.options?.stp?.enabled;
    if (stp !== undefined && stp !== (a.bridge?.options?.stp?.enabled ?? false)) lines.push(`link set ${n} type bridge stp_state ${stp ? 1 : 0}`);
    const vf = d.bridge?.options?.['vlan-filtering'];
    if (vf !== undefined && vf !== (a.bridge?.options?.['vlan-filtering'] ?? false)) lines.push(`link set ${n} type bridge vlan_filtering ${vf ? 1 : 0}`);
    return lines;
  },
  ports: {
    wanted: (d) => d.bridge?.port?.map((p) => p.name),
    current: (a) => (a?.bridge?.port ?? []).map((p) => p.name),
    downFirst: false,
  },
};
