import type { PoolView } from '@fleetnet/contracts';
import type { Colors } from './color.ts';
import { renderTable } from './table.ts';
import { age } from './time.ts';

const rangeText = (p: PoolView) => (p.pool.spec.range ? `${p.pool.spec.range.start}-${p.pool.spec.range.end}` : 'whole network');

export function poolsTable(pools: readonly PoolView[], c: Colors): string {
  return renderTable(
    ['NAME', 'CIDR', 'RANGE', 'GATEWAY', 'SIZE', 'ALLOCATED', 'FREE', 'EXHAUSTED'],
    pools.map((p) => [
      p.name, p.pool.spec.cidr, rangeText(p), p.pool.spec.gateway ?? '', String(p.size), String(p.allocated),
      p.free ? String(p.free) : c.paint('red', '0'), p.exhausted.length ? c.paint('red', `${p.exhausted.length} hosts`) : '',
    ]),
  );
}

/** `fleetnet describe pool NAME`: the pool, who waits for an address, every allocation. */
export function renderPool(p: PoolView, c: Colors, now = Date.now()): string {
  const lines = [
    `Name:        ${p.name}`,
    `CIDR:        ${p.pool.spec.cidr}`,
    `Range:       ${rangeText(p)}`,
    `Exclude:     ${(p.pool.spec.exclude ?? []).join(', ') || '<none>'}`,
    `Gateway:     ${p.pool.spec.gateway ?? '<none>'}`,
    `Addresses:   ${p.size} (${p.allocated} allocated, ${p.free} free)`,
    `Updated:     ${p.updatedAt} (${age(p.updatedAt, now)} ago)`,
    `Exhausted:   ${p.exhausted.length ? c.paint('red', `${p.exhausted.length} hosts without an address: ${p.exhausted.slice(0, 20).join(', ')}${p.exhausted.length > 20 ? ', ...' : ''}`) : '<none>'}`,
    'Allocations:',
  ];
  if (p.allocations.length) {
    lines.push(...renderTable(['ADDRESS', 'HOST', 'SINCE'], p.allocations.map((a) => [a.address, a.host, `${a.since} (${age(a.since, now)} ago)`]))
      .trimEnd().split('\n').map((l) => `  ${l}`));
  } else lines.push('  <none>');
  return `${lines.join('\n')}\n`;
}
