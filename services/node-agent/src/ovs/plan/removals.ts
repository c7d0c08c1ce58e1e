import type { PlanContext } from '../../backend.ts';
import { op, type OvsOp } from './op.ts';
import type { OvsView } from './view.ts';

/** Ports and bridges the transaction removes, each with why; the port steps add to it (moves, bond changes). */
export interface Removals {
  bridges: string[];
  /** bridges removed: their ports go with them */
  goneBridges: ReadonlySet<string>;
  ports: Set<string>;
  drop(port: string, why: string): void;
  operations(): OvsOp[];
}

/**
 * Removals: absent, no longer wanted after fleetnet created it, or no longer in a bridge's port list.
 */
export function decideRemovals(v: OvsView, ctx: PlanContext): Removals {
  const named = new Set(v.dIfaces.map((i) => i.name));
  for (const b of v.dBridges) for (const p of b.bridge?.port ?? []) named.add(p.name);
  const bridges: string[] = [];
  const ports = new Set<string>();
  const reason = new Map<string, string>();
  const drop = (port: string, why: string) => {
    if (!ports.has(port)) reason.set(port, why);
    ports.add(port);
  };
  for (const d of v.dIfaces) {
    if (d.state !== 'absent') continue;
    if (v.aBridges.has(d.name)) bridges.push(d.name);
    else if (v.location.get(d.name)?.port === d.name) drop(d.name, 'state: absent');
  }
  for (const name of [...ctx.created].sort()) {
    if (named.has(name) || !v.isOvs(name)) continue;
    if (v.aBridges.has(name)) bridges.push(name);
    else if (v.location.has(name)) drop(name, 'created by fleetnet and no longer named');
  }
  for (const b of v.dBridges) {
    const ab = v.aBridges.get(b.name);
    if (!ab || !b.bridge?.port) continue;
    const want = new Set(b.bridge.port.map((p) => p.name));
    for (const p of ab.bridge?.port ?? []) if (!want.has(p.name)) drop(p.name, `not in ${b.name}'s port list`);
  }
  const goneBridges = new Set(bridges);
  return {
    bridges,
    goneBridges,
    ports,
    drop,
    operations: () => [
      ...[...ports].filter((p) => !goneBridges.has(v.location.get(p)?.bridge ?? '')).map((p) =>
        op(p, `remove port ${p} (${reason.get(p)})`, ['--if-exists', 'del-port', p])),
      ...[...goneBridges].map((b) => op(b, `remove ovs-bridge ${b}`, ['--if-exists', 'del-br', b])),
    ],
  };
}
