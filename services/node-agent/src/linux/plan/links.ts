import type { Interface, InterfaceType } from '@fleetnet/contracts';
import { LINUX_CREATABLE, OVS_TYPES } from '@fleetnet/contracts';
import type { PlanContext, PlanError } from '../../backend.ts';
import { kindOf, needsRecreate } from './kinds.ts';
import type { PlanView } from './view.ts';

/** Which links go, which are (re)created and which the linux backend configures. */
export interface LinkDecisions {
  remove: Set<string>;
  create: Map<string, Interface>;
  /** interfaces the linux backend configures (mtu, addresses, state...) */
  configure: Interface[];
  /** names whose kernel object will be new: nothing of the old one counts */
  fresh: Set<string>;
  errors: PlanError[];
}

/** Links `ip link del` cannot or must not delete. */
const NOT_REMOVABLE: ReadonlySet<string> = new Set(['ethernet', 'loopback']);

const hasLinuxProps = (d: Interface) =>
  d.mtu !== undefined || d['mac-address'] !== undefined || d['accept-all-mac-addresses'] === true || d.ipv4 !== undefined || d.ipv6 !== undefined || d.state !== undefined;

/** Pure: for each desired interface, whether its link is removed, created, recreated or only configured. */
export function decideLinks(v: PlanView): LinkDecisions {
  const out: LinkDecisions = { remove: new Set(), create: new Map(), configure: [], fresh: new Set(), errors: [] };
  const { remove, create, configure, fresh, errors } = out;
  const { at } = v;
  for (const d of v.desiredList) {
    const a = v.actualByName.get(d.name);
    const inKernel = v.kernel.has(d.name);
    if (d.state === 'absent') {
      if (!a || (a.type && OVS_TYPES.has(a.type))) continue;
      // Any link removes by name, even of a type fleetnet cannot create (hsr, ipvlan, ...); a NIC cannot be deleted.
      if (inKernel && !NOT_REMOVABLE.has(a.type ?? '')) remove.add(d.name);
      else {
        errors.push({ path: at(d.name, 'state'), message: `cannot remove ${a.type ?? 'unknown'} interface "${d.name}": it is hardware, not a link the kernel can delete (use state: down)` });
      }
      continue;
    }
    // an OVS patch port has no netdev: Open vSwitch is all there is to it
    if (d.patch || a?.patch) continue;
    const type = d.type ?? a?.type;
    if (!a || (!inKernel && type !== undefined && !OVS_TYPES.has(type) && type !== 'ethernet')) {
      if (!type) {
        errors.push({ path: at(d.name), message: `interface "${d.name}" does not exist; set "type" to create it` });
        continue;
      }
      if (OVS_TYPES.has(type)) {
        // Open vSwitch creates it in the ovs stage; linux configures it afterwards.
        configure.push(d);
        fresh.add(d.name);
        continue;
      }
      if (type === 'ethernet') {
        if (hasLinuxProps(d)) errors.push({ path: at(d.name), message: `no ethernet device "${d.name}" on this host` });
        continue;
      }
      if (!LINUX_CREATABLE.has(type)) {
        errors.push({ path: at(d.name, 'type'), message: `interfaces of type ${type} cannot be created; the agent creates ${[...LINUX_CREATABLE, ...OVS_TYPES].join(', ')}` });
        continue;
      }
      create.set(d.name, d);
      configure.push(d);
      fresh.add(d.name);
      continue;
    }
    if (type === 'ethernet' && !inKernel) {
      if (hasLinuxProps(d)) errors.push({ path: at(d.name), message: `"${d.name}" is seen in sysfs but is not a link in the kernel here: state, mtu, mac and addresses cannot be set` });
      continue;
    }
    if (d.type && a.type && d.type !== a.type) {
      if (LINUX_CREATABLE.has(a.type) && LINUX_CREATABLE.has(d.type)) {
        remove.add(d.name);
        create.set(d.name, d);
        fresh.add(d.name);
      } else if (!(OVS_TYPES.has(d.type) && (OVS_TYPES.has(a.type) || a.type === 'tun'))) {
        errors.push({ path: at(d.name, 'type'), message: `"${d.name}" is a ${a.type} interface; it cannot become ${d.type} (remove it first with state: absent)` });
        continue;
      }
    } else if (a.type && LINUX_CREATABLE.has(a.type) && needsRecreate(d, a)) {
      remove.add(d.name);
      create.set(d.name, { ...d, type: d.type ?? (a.type as InterfaceType) });
      fresh.add(d.name);
    }
    configure.push(d);
  }
  return out;
}

/** Section checks the schema cannot make: what a new link needs, and whether this kernel can make it. */
export function checkCreates(create: ReadonlyMap<string, Interface>, v: PlanView, ctx: PlanContext): PlanError[] {
  const errors: PlanError[] = [];
  for (const [name, d] of create) {
    const reason = d.type ? ctx.unsupportedTypes?.[d.type] : undefined;
    if (reason) errors.push({ path: v.at(name, 'type'), message: `cannot create ${d.type} "${name}": ${reason}` });
    const required = kindOf(d.type)?.required;
    if (required && !d[required.field]) errors.push({ path: v.at(name, required.field), message: required.message });
  }
  return errors;
}
