import type { NetworkState } from '@fleetnet/contracts';
import { OVS_TYPES } from '@fleetnet/contracts';
import type { BackendPlan, PlanContext } from '../../backend.ts';
import { unsupportedAddressing, type AddressList } from './addresses.ts';
import { configureOps } from './configure.ts';
import { createLine } from './kinds.ts';
import { checkCreates, decideLinks } from './links.ts';
import { op, type LinuxOp } from './op.ts';
import { routeOps } from './routes.ts';
import { missingLowers, stackOrder } from './stack.ts';
import { pairVeths, withRemovedPeers } from './veth.ts';
import { planView } from './view.ts';

/**
 * Pure: the Linux operations that take `actual` to `desired` for what this backend owns (links it can
 * create, and for every interface mtu, mac, addresses, admin state, bridge membership and STP; routes).
 * Removals run upper layers first, creations lower layers first, configuration lower layers first.
 * One kind of link is one file (see kinds.ts); addresses and routes have theirs.
 */
export function planLinux(desired: NetworkState, actual: NetworkState, ctx: PlanContext): BackendPlan {
  const v = planView(desired, actual, ctx);
  const { remove, create, configure, fresh, errors } = decideLinks(v);
  errors.push(...checkCreates(create, v, ctx));
  const { createdPeers, errors: vethErrors } = pairVeths(create, remove, fresh, v.present, v.actualByName);
  errors.push(...vethErrors.map((e) => ({ path: v.at(e.name, e.field), message: e.message })));

  const existsAfter = (n: string) =>
    (v.actualByName.has(n) && v.kernel.has(n) && (!remove.has(n) || create.has(n) || createdPeers.has(n))) ||
    create.has(n) || createdPeers.has(n) || OVS_TYPES.has(v.present.get(n)?.type ?? '');
  for (const d of configure) errors.push(...missingLowers(d, v, existsAfter), ...unsupportedAddressing(d, v));

  const byDepth = stackOrder(v);
  const ops: LinuxOp[] = [];
  for (const n of [...remove].sort(byDepth(-1))) ops.push(op('linux-remove', n, `link del ${n}`));
  for (const n of [...create.keys()].sort(byDepth(1))) ops.push(op('linux-create', n, createLine(create.get(n)!)));

  const removedForGood = withRemovedPeers(new Set([...remove].filter((n) => !create.has(n))), v.actualByName);
  // A veth end we create but the state does not name still has to be up to carry traffic.
  const cfgNames = new Set(configure.map((d) => d.name));
  for (const [peer] of createdPeers) {
    if (!cfgNames.has(peer)) {
      configure.push({ name: peer, state: 'up' });
      cfgNames.add(peer);
    }
  }
  const addressLoss = new Map<string, AddressList>();
  const releasedByBond = new Set([...v.actualByName.values()].filter((a) => a.controller && remove.has(a.controller) && v.actualByName.get(a.controller)?.type === 'bond').map((a) => a.name));
  for (const d of [...configure].sort((x, y) => byDepth(1)(x.name, y.name))) {
    ops.push(...configureOps(d, v, { fresh, removedForGood, releasedByBond, addressLoss }));
  }
  const routes = routeOps(v, { addressLoss, removedForGood, fresh, existsAfter });
  return { operations: [...ops, ...routes.ops], errors: [...errors, ...routes.errors] };
}
