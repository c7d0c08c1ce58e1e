import type { NetworkState } from '@fleetnet/contracts';
import type { BackendPlan, Operation } from '../backend.ts';

export type LldpOp = Extract<Operation, { backend: 'lldp' }>;

const same = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((x) => b.has(x));

/**
 * Pure: the interfaces fleetnet's one lldpd of this host should serve, as one operation when that
 * set changes. `running` is what it serves now. nmstate's reading: `lldp: {enabled: true}` adds the
 * interface, `enabled: false` or the interface going away removes it, an interface without `lldp`
 * stays as it is; an interface gone from the kernel leaves the set too. An empty set stops the daemon.
 */
export function planLldp(desired: NetworkState, actual: NetworkState, running: ReadonlySet<string>): BackendPlan<LldpOp> {
  const want = new Set(running);
  const named = new Set<string>();
  for (const d of desired.interfaces ?? []) {
    named.add(d.name);
    if (d.state === 'absent' || d.lldp?.enabled === false) want.delete(d.name);
    else if (d.lldp?.enabled === true) want.add(d.name);
  }
  const present = new Set((actual.interfaces ?? []).map((i) => i.name));
  for (const i of [...want]) if (!named.has(i) && !present.has(i)) want.delete(i);
  if (same(want, running)) return { operations: [], errors: [] };
  const interfaces = [...want].sort();
  const description = interfaces.length
    ? `${running.size ? 'restart' : 'start'} lldpd (LLDP) on ${interfaces.join(', ')}`
    : 'stop lldpd (no interface has LLDP on)';
  return { operations: [{ backend: 'lldp', stage: 'lldp', target: 'lldpd', interfaces, description }], errors: [] };
}
