import type { LinkKind } from './kind.ts';

export const bond: LinkKind = {
  createLine: (d) => `link add ${d.name} type bond mode ${d['link-aggregation']?.mode ?? 'balance-rr'}`,
  lowers: (i) => (i.type === 'bond' ? (i['link-aggregation']?.port ?? []).map((name) => ({ name, field: 'link-aggregation.port' })) : []),
  needsRecreate: (d, a) => !!d['link-aggregation'] && d['link-aggregation'].mode !== a['link-aggregation']?.mode,
  ports: {
    wanted: (d) => d['link-aggregation']?.port,
    current: (a) => a?.['link-aggregation']?.port ?? [],
    downFirst: true,
  },
};
