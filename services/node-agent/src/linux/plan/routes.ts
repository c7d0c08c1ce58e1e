import type { Route } from '@fleetnet/contracts';
import { ipFamily, isLinkLocal, networkAddress, normalizeDestination, routeKey, routeMatches, MAIN_TABLE } from '@fleetnet/contracts';
import type { PlanError } from '../../backend.ts';
import type { AddressList } from './addresses.ts';
import { op, type LinuxOp } from './op.ts';
import type { PlanView } from './view.ts';

function routeLine(verb: 'replace' | 'del', r: Route): string {
  let line = `route ${verb} ${normalizeDestination(r.destination)}`;
  if (r['next-hop-address']) line += ` via ${r['next-hop-address']}`;
  if (r['next-hop-interface']) line += ` dev ${r['next-hop-interface']}`;
  if (r.metric !== undefined) line += ` metric ${r.metric}`;
  const table = r['table-id'] ?? MAIN_TABLE;
  if (table !== MAIN_TABLE) line += ` table ${table}`;
  return line;
}

const routeOp = (verb: 'replace' | 'del', r: Route) => op('linux-configure', `route ${routeKey(r)}`, routeLine(verb, r));

/** Deleting an address flushes the routes whose gateway it reached; those still reachable are put back. */
function reachable(r: Route, addresses: AddressList): boolean {
  const gw = r['next-hop-address'];
  if (!gw || isLinkLocal(gw)) return true;
  return addresses.some((x) => ipFamily(x.ip) === ipFamily(gw) && networkAddress(x.ip, x['prefix-length']) === networkAddress(gw, x['prefix-length']));
}

export interface RouteInputs {
  /** interface -> its addresses once the plan ran, for those whose addresses the plan removes */
  addressLoss: ReadonlyMap<string, AddressList>;
  /** interfaces removed and not created again: their routes vanish with them */
  removedForGood: ReadonlySet<string>;
  /** interfaces whose kernel object is new: their routes must be added again */
  fresh: ReadonlySet<string>;
  existsAfter(name: string): boolean;
}

/** Routes, planned after every address is in place: deletions in desired order, then one replace per route. */
export function routeOps(v: PlanView, inp: RouteInputs): { ops: LinuxOp[]; errors: PlanError[] } {
  const ops: LinuxOp[] = [];
  const errors: PlanError[] = [];
  const actualRoutes = v.actual.routes?.config ?? [];
  const desiredRoutes = v.desired.routes?.config ?? [];
  const absentRoutes = desiredRoutes.filter((r) => r.state === 'absent').map((r) => ({ ...r, state: undefined }));
  const replaces = new Map<string, LinuxOp>();
  for (const r of actualRoutes) {
    const dev = r['next-hop-interface'];
    const left = dev ? inp.addressLoss.get(dev) : undefined;
    if (!left || absentRoutes.some((x) => routeMatches(x, r)) || !reachable(r, left)) continue;
    replaces.set(routeKey(r), routeOp('replace', r));
  }
  const routeDevOk = (r: Route) => !r['next-hop-interface'] || !inp.removedForGood.has(r['next-hop-interface']);
  desiredRoutes.forEach((r, i) => {
    if (r.state === 'absent') {
      for (const a of actualRoutes) {
        if (routeMatches({ ...r, state: undefined }, a) && routeDevOk(a)) ops.push(routeOp('del', a));
      }
      return;
    }
    const dev = r['next-hop-interface'];
    if (dev && !inp.existsAfter(dev) && v.present.get(dev)?.type !== 'ethernet') {
      errors.push({ path: `routes.config[${i}].next-hop-interface`, message: `interface "${dev}" does not exist and this state does not create it` });
      return;
    }
    const devRecreated = dev !== undefined && inp.fresh.has(dev);
    if (devRecreated || !actualRoutes.some((a) => routeMatches(r, a))) replaces.set(routeKey(r), routeOp('replace', r));
  });
  ops.push(...replaces.values());
  return { ops, errors };
}
