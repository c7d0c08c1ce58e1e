import type { Interface, NetworkState } from '@fleetnet/contracts';
import type { Backend } from './backend.ts';

/** What the linux backend reads wins for these keys: the kernel is the truth about links. */
const KERNEL_KEYS = ['state', 'mtu', 'mac-address', 'ipv4', 'ipv6'] as const;

function mergeInterface(kernel: Interface | undefined, overlay: Interface): Interface {
  if (!kernel) return overlay;
  const out: Interface = { ...kernel };
  for (const [k, v] of Object.entries(overlay) as [keyof Interface, unknown][]) {
    if (v === undefined) continue;
    if ((KERNEL_KEYS as readonly string[]).includes(k) && kernel[k] !== undefined) continue;
    // Reading OVS's own tables beats guessing from a tap device; sysfs adds the SR-IOV part.
    (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/**
 * Pure: one actual state from every backend's part. Linux names every kernel interface; the other
 * backends overlay what they know (OVS types and ports, SR-IOV, DNS) and may add interfaces the
 * kernel does not show (an SR-IOV PF seen only in sysfs, an OVS bridge without a datapath device).
 */
export function mergeStates(linux: NetworkState, others: NetworkState[]): NetworkState {
  const byName = new Map((linux.interfaces ?? []).map((i) => [i.name, i]));
  const order = (linux.interfaces ?? []).map((i) => i.name);
  let dns = linux['dns-resolver'];
  let rules = linux['route-rules'];
  let hostname = linux.hostname;
  let ovsDb = linux['ovs-db'];
  const routes = [...(linux.routes?.config ?? [])];
  for (const part of others) {
    for (const i of part.interfaces ?? []) {
      if (!byName.has(i.name)) order.push(i.name);
      byName.set(i.name, mergeInterface(byName.get(i.name), i));
    }
    if (part['dns-resolver']) dns = part['dns-resolver'];
    if (part['route-rules']) rules = part['route-rules'];
    if (part.hostname) hostname = part.hostname;
    if (part['ovs-db']) ovsDb = part['ovs-db'];
    routes.push(...(part.routes?.config ?? []));
  }
  const out: NetworkState = { interfaces: order.map((n) => byName.get(n)!), routes: { config: routes } };
  if (dns) out['dns-resolver'] = dns;
  if (rules) out['route-rules'] = rules;
  if (hostname) out.hostname = hostname;
  if (ovsDb) out['ovs-db'] = ovsDb;
  return out;
}

export interface ReadResult {
  state: NetworkState;
  /** names of the links the kernel has */
  kernelInterfaces: Set<string>;
}

/**
 * What a read is for. An apply's verify read only compares the state it applied, so a backend may
 * leave out what that state cannot touch (the route rules of a document without `route-rules`: two
 * processes; the IPv6 sysctls of interfaces it does not name). Without a scope a read is whole:
 * the read before an apply (the checkpoint a rollback restores and compares whole), reports, drift,
 * `show`, rollbacks.
 */
export interface ReadScope {
  for: NetworkState;
}

/** Every backend reads at once; the linux backend is the base the others overlay. */
export async function readAll(backends: Backend[], scope?: ReadScope): Promise<ReadResult> {
  const parts = await Promise.all(backends.map((b) => b.read(scope)));
  const li = backends.findIndex((b) => b.name === 'linux');
  const linux = li >= 0 ? parts[li]! : {};
  const others = parts.filter((_, i) => i !== li);
  return {
    state: mergeStates(linux, others),
    kernelInterfaces: new Set((linux.interfaces ?? []).map((i) => i.name)),
  };
}
