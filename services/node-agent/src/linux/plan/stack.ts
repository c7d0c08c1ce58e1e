import type { Interface } from '@fleetnet/contracts';
import type { PlanError } from '../../backend.ts';
import { lowersOf } from './kinds.ts';
import type { PlanView } from './view.ts';

export type NameOrder = (x: string, y: string) => number;

/**
 * Depth in the stack, from the desired state where it names an interface, else from the kernel:
 * `byDepth(1)` orders lower layers first (creation, configuration), `byDepth(-1)` upper first (removal).
 */
export function stackOrder(v: PlanView): (dir: 1 | -1) => NameOrder {
  const lowers = (n: string) => lowersOf(v.present.get(n) ?? v.actualByName.get(n) ?? { name: n }).map((l) => l.name);
  const memo = new Map<string, number>();
  const depth = (n: string, seen: Set<string> = new Set()): number => {
    if (memo.has(n)) return memo.get(n)!;
    if (seen.has(n)) return 0;
    seen.add(n);
    const ls = lowers(n);
    const value = ls.length ? 1 + Math.max(...ls.map((l) => depth(l, seen))) : 0;
    memo.set(n, value);
    return value;
  };
  return (dir) => (x, y) => dir * (depth(x) - depth(y)) || (x < y ? -1 : x > y ? 1 : 0);
}

/** Lower layers a new or changed interface builds on must exist once the plan ran. */
export function missingLowers(d: Interface, v: PlanView, existsAfter: (n: string) => boolean): PlanError[] {
  return lowersOf(v.present.get(d.name) ?? d)
    .filter((lower) => !existsAfter(lower.name))
    .map((lower) => ({ path: v.at(d.name, lower.field), message: `"${lower.name}" does not exist and this state does not create it` }));
}
