import type { Interface, NetworkState } from '@fleetnet/contracts';
import { canonicalInterface } from '@fleetnet/contracts';
import type { PlanContext } from '../../backend.ts';

/** The inputs every step of the linux planner looks things up in, built once per plan. */
export interface PlanView {
  desired: NetworkState;
  actual: NetworkState;
  desiredList: Interface[];
  actualByName: ReadonlyMap<string, Interface>;
  /** interfaces the kernel has (the actual state may also hold PFs seen only in sysfs) */
  kernel: ReadonlySet<string>;
  /** desired interfaces not marked absent */
  present: ReadonlyMap<string, Interface>;
  /** the error path of a desired interface (and one of its fields) */
  at(name: string, field?: string): string;
}

export function planView(desired: NetworkState, actual: NetworkState, ctx: PlanContext): PlanView {
  // nmstate's alternative spellings (ports, macvlan, stp: true...) are planned in one spelling.
  const actualByName = new Map((actual.interfaces ?? []).map((i) => [i.name, canonicalInterface(i)]));
  const desiredList = (desired.interfaces ?? []).map(canonicalInterface);
  const index = new Map(desiredList.map((d, i) => [d.name, i]));
  return {
    desired,
    actual,
    desiredList,
    actualByName,
    kernel: ctx.kernelInterfaces ?? new Set(actualByName.keys()),
    present: new Map(desiredList.filter((d) => d.state !== 'absent').map((d) => [d.name, d])),
    at: (name, field) => `interfaces[${index.get(name)}]${field ? `.${field}` : ''}`,
  };
}
