import type { Interface, NetworkState } from '@fleetnet/contracts';
import { LINUX_CREATABLE, OVS_TYPES } from '@fleetnet/contracts';
import type { BackendPlan, PlanContext, PlanError } from '../../backend.ts';
import { bridgeOps } from './bridge.ts';
import type { OvsOp } from './op.ts';
import { ovsDbOps } from './ovs-db.ts';
import { bridgePortOps } from './ports.ts';
import { decideRemovals } from './removals.ts';
import { ovsView, type OvsView } from './view.ts';

/** Kernel link kinds whose name an OVS bridge or internal port cannot take over in place. */
const LINUX_KINDS: ReadonlySet<string> = new Set([...LINUX_CREATABLE, 'ethernet']);

/** What the schema cannot check: a type change OVS cannot make in place, an internal port no bridge lists. */
function typeError(d: Interface, at: string, v: OvsView): PlanError | undefined {
  const a = v.aByName.get(d.name);
  if (OVS_TYPES.has(d.type ?? '') && a && LINUX_KINDS.has(a.type ?? '')) {
    return { path: `${at}.type`, message: `"${d.name}" exists as a ${a.type}; changing it to ${d.type} in place is not supported: remove it (state: absent) in one apply, then create it` };
  }
  if (d.type && !OVS_TYPES.has(d.type) && LINUX_CREATABLE.has(d.type) && v.isOvs(d.name)) {
    return { path: `${at}.type`, message: `"${d.name}" exists as an ${a?.type}; changing it to ${d.type} in place is not supported: remove it (state: absent) in one apply, then create it` };
  }
  if (d.type === 'ovs-interface') {
    const listed = v.dBridges.some((b) => b.bridge?.port?.some((p) => p.name === d.name));
    if (!listed && a?.type !== 'ovs-interface') return { path: at, message: `ovs-interface "${d.name}" must be listed in the port list of an ovs-bridge in the same desired state` };
  }
  return undefined;
}

/**
 * Pure: the ovs-vsctl commands (one transaction) that take `actual` to `desired` for OVS bridges,
 * ports, bonds, VLAN tags and internal ports. Removals come first, then bridges, then ports.
 * Bridges and ports the desired state does not name are left alone; `state: absent` removes;
 * a bridge's `port` list, when given, is the complete list of its ports. Interfaces fleetnet created
 * (`ctx.created`) that nothing names any more are removed.
 */
export function planOvs(desired: NetworkState, actual: NetworkState, ctx: PlanContext): BackendPlan {
  const v = ovsView(desired, actual);
  const rm = decideRemovals(v, ctx);
  const errors: PlanError[] = [];
  const creates: OvsOp[] = [];
  v.dIfaces.forEach((d, i) => {
    if (d.state === 'absent') return;
    const err = typeError(d, `interfaces[${i}]`, v);
    if (err) errors.push(err);
    if (err || d.type !== 'ovs-bridge') return;
    const ab = rm.goneBridges.has(d.name) ? undefined : v.aBridges.get(d.name);
    creates.push(...bridgeOps(d, ab));
    const ports = bridgePortOps(d, i, ab, v, rm);
    creates.push(...ports.ops);
    errors.push(...ports.errors);
  });
  return { operations: errors.length ? [] : [...rm.operations(), ...creates, ...ovsDbOps(desired, actual)], errors };
}
