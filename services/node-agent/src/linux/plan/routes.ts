import type { Route } from '@fleetnet/contracts';
import { absentRouteMatches, ipFamily, isLinkLocal, networkAddress, normalizeDestination, routeKey, routeMatches, routesRemovedBy, MAIN_TABLE } from '@fleetnet/contracts';
import type { PlanError } from '../../backend.ts';
import type { AddressList } from './addresses.ts';
import { op, type LinuxOp } from './op.ts';
import type { PlanView } from './view.ts';

/** `ip route` words: what identifies the route (del takes only these), then what it carries (replace). */
function routeLine(verb: 'replace' | 'del', r: Route): string {
  let line = `route ${verb} ${r['route-type'] ? `${r['route-type']} ` : ''}${normalizeDestination(r.destination)}`;
  if (r['next-hop-address']) line += ` via ${r['next-hop-address']}`;
  if (r['next-hop-interface'] && !r['route-type']) line += ` dev ${r['next-hop-interface']}`;
  if (r.metric !== undefined) line += ` metric ${r.metric}`;
  const table = r['table-id'] || MAIN_TABLE;
  if (table !== MAIN_TABLE) line += ` table ${table}`;
  if (verb === 'del') return line;
  if (r.source) line += ` src ${r.source}`;
  // nmstate sets a cwnd only locked (the kernel then never grows the window past it)
  if (r.cwnd !== undefined) line += ` cwnd lock ${r.cwnd}`;
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
  const absentRoutes = desiredRoutes.filter((r) => r.state === 'absent');
  const replaces = new Map<string, LinuxOp>();
  for (const r of actualRoutes) {
    const dev = r['next-hop-interface'];
    const left = dev ? inp.addressLoss.get(dev) : undefined;
    if (!left || absentRoutes.some((x) => absentRouteMatches(x, r)) || !reachable(r, left)) continue;
    replaces.set(routeKey(r), routeOp('replace', r));
  }
  const deleted = new Set<string>();
  const routeDevOk = (r: Route) => !r['next-hop-interface'] || !inp.removedForGood.has(r['next-hop-interface']);
  desiredRoutes.forEach((r, i) => {
    if (r.state === 'absent') {
      // nmstate's wildcard: every route the entry matches goes, except those this state wants
      for (const a of routesRemovedBy(r, desiredRoutes, actualRoutes)) {
        const key = `${routeKey(a)} ${a.metric ?? 0}`;
        if (routeDevOk(a) && !deleted.has(key)) ops.push(routeOp('del', a));
        deleted.add(key);
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
