import { BOND_OPTIONS_WHILE_DOWN, bondOptionArgs, withoutDefaults } from '../bond-options.ts';
import type { LinkKind } from './kind.ts';

export const bond: LinkKind = {
  createLine: (d) => `link add ${d.name} type bond mode ${d['link-aggregation']?.mode ?? 'balance-rr'}${bondOptionArgs(withoutDefaults(d['link-aggregation']?.options ?? {}))}`,
  lowers: (i) => (i.type === 'bond' ? (i['link-aggregation']?.port ?? []).map((name) => ({ name, field: 'link-aggregation.port' })) : []),
  needsRecreate: (d, a) => !!d['link-aggregation'] && d['link-aggregation'].mode !== a['link-aggregation']?.mode,
  // Options that differ, one line each; some the kernel changes only while the bond is down (the state step brings it up).
  configureInPlace: (d, a) => {
    const have = a['link-aggregation']?.options ?? {};
    const changed = Object.entries(d['link-aggregation']?.options ?? {}).filter(([k, v]) => String(v) !== String(have[k]));
    const lines = changed.map(([k, v]) => `link set ${d.name} type bond${bondOptionArgs({ [k]: v })}`);
    return changed.some(([k]) => BOND_OPTIONS_WHILE_DOWN.has(k)) ? [`link set ${d.name} down`, ...lines] : lines;
  },
  // ports-config: queue and priority of each port, what the desired state names and the port lacks
  portSettings: (d, a) =>
    (d['link-aggregation']?.['ports-config'] ?? []).flatMap((c) => {
      const have = a?.['link-aggregation']?.['ports-config']?.find((x) => x.name === c.name);
      const args = [
        ...(c['queue-id'] !== undefined && c['queue-id'] !== have?.['queue-id'] ? [`queue_id ${c['queue-id']}`] : []),
        ...(c.priority !== undefined && c.priority !== have?.priority ? [`prio ${c.priority}`] : []),
      ];
      return args.length ? [`link set ${c.name} type bond_slave ${args.join(' ')}`] : [];
    }),
  ports: {
    wanted: (d) => d['link-aggregation']?.port,
    current: (a) => a?.['link-aggregation']?.port ?? [],
    downFirst: true,
  },
};
