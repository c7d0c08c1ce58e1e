import type { LinkKind } from './kind.ts';

/** A VRF: its table is fixed at creation; its ports join it like a bridge's (no need to be down). */
export const vrf: LinkKind = {
  createLine: (d) => `link add ${d.name} type vrf table ${d.vrf?.['route-table-id']}`,
  lowers: (i) => (i.type === 'vrf' ? (i.vrf?.port ?? []).map((name) => ({ name, field: 'vrf.port' })) : []),
  needsRecreate: (d, a) => !!d.vrf && d.vrf['route-table-id'] !== a.vrf?.['route-table-id'],
  required: { field: 'vrf', message: 'a new vrf needs vrf.route-table-id' },
  ports: {
    wanted: (d) => d.vrf?.port,
    current: (a) => a?.vrf?.port ?? [],
    downFirst: false,
  },
};
