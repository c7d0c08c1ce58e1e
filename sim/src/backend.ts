import type { Interface, NetworkState, Nic, Route } from '@fleetnet/contracts';
import { canonicalJson, compare, OVS_TYPES, routeKey, routeMatches } from '@fleetnet/contracts';
import { ExecutionError, type Backend, type BackendPlan, type OperationBase, type PlanContext, type PlanError, type Stage } from '@fleetnet/node-agent';
import { SimHost, simNics, type SimNic } from './host.ts';

/**
 * The `sim` backend: the whole host (links, OVS, SR-IOV, DNS) in memory, for fleet-scale
 * benchmarks only — never the default. It reads, plans and executes like the real backends
 * (pure plan of ordered operations by stage, refusal of what cannot be reached before anything
 * runs, execution that can fail at one operation), so an agent loop on top of it goes through the
 * same read → plan → execute → verify with contracts' `compare()` as on a real host.
 */
export interface SimBackendOptions {
  /** host number: picks MACs and the management address (default 0) */
  index?: number;
  nics?: SimNic[];
  /** make an operation fail: return an error message (e.g. to test rollback and Failed reports) */
  fail?: (op: SimOperation) => string | undefined;
  /** time one execute call takes, to simulate a slower host (default 0: immediate) */
  executeDelayMs?: number;
}

/** The simulator's own operation: a piece of state the in-memory host takes over. */
export type SimOperation = OperationBase & { backend: 'sim'; apply: NetworkState };

export interface SimBackend extends Backend<SimOperation> {
  readonly host: SimHost;
  /** the NIC inventory, as the hello's facts carry it */
  nics(): Nic[];
}

const PHYSICAL_TYPES = new Set(['ethernet', 'loopback', 'tun', 'unknown']);
/** lower number = higher in the stack: removed first, created last */
const LAYER: Record<string, number> = { vlan: 0, macvlan: 0, vxlan: 0, 'ovs-interface': 0, 'linux-bridge': 1, 'ovs-bridge': 1, bond: 2, veth: 3, dummy: 3 };
const layer = (t: string | undefined) => LAYER[t ?? ''] ?? 3;

const op = (stage: Stage, target: string, description: string, apply: NetworkState): SimOperation => ({
  backend: 'sim', stage, target, description: `sim: ${description}`, apply,
});

/** Interfaces that must exist below `i`. */
function lowers(i: Interface): string[] {
  const out: string[] = [];
  if (i.vlan) out.push(i.vlan['base-iface']);
  if (i.macvlan) out.push(i.macvlan['base-iface']);
  if (i.vxlan?.['base-iface']) out.push(i.vxlan['base-iface']);
  for (const p of i.bridge?.port ?? []) {
    if (p['link-aggregation']) out.push(...p['link-aggregation'].port.map((x) => x.name));
    else out.push(p.name);
  }
  out.push(...(i['link-aggregation']?.port ?? []));
  return out;
}

/** Properties the kernel cannot change in place: the link is deleted and created again. */
function needsRecreate(d: Interface, a: Interface): boolean {
  if (d.type && d.type !== a.type) return true;
  if (d.veth && a.veth && d.veth.peer !== a.veth.peer) return true;
  if (d.vlan && (d.vlan.id !== a.vlan?.id || d.vlan['base-iface'] !== a.vlan?.['base-iface'])) return true;
  if (d.macvlan && (d.macvlan['base-iface'] !== a.macvlan?.['base-iface'] || d.macvlan.mode !== a.macvlan?.mode)) return true;
  if (d.vxlan && canonicalJson({ ...a.vxlan, ...d.vxlan }) !== canonicalJson(a.vxlan ?? {})) return true;
  if (d['link-aggregation'] && a.type === 'bond' && d['link-aggregation'].mode !== a['link-aggregation']?.mode) return true;
  return false;
}

const describe = (d: Interface) =>
  Object.entries(d)
    .filter(([k, v]) => k !== 'name' && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? canonicalJson(v) : String(v)}`)
    .join(' ');

/** Route deletions and replacements; a route through an interface that will not exist is an error. */
function planSimRoutes(desired: NetworkState, actual: NetworkState, exists: (n: string) => boolean, errors: PlanError[]): SimOperation[] {
  const routeOps: SimOperation[] = [];
  const actualRoutes: Route[] = actual.routes?.config ?? [];
  (desired.routes?.config ?? []).forEach((r, i) => {
    const present = actualRoutes.some((x) => routeMatches(r, x));
    if (r.state === 'absent') {
      if (present) routeOps.push(op('linux-configure', `route ${routeKey(r)}`, `route del ${routeKey(r)}`, { routes: { config: [r] } }));
      return;
    }
    const dev = r['next-hop-interface'];
    if (dev && !exists(dev)) errors.push({ path: `routes.config[${i}].next-hop-interface`, message: `route ${r.destination}: interface ${dev} does not exist` });
    if (!present || !compare({ routes: { config: [r] } }, actual).inSync) {
      routeOps.push(op('linux-configure', `route ${routeKey(r)}`, `route replace ${routeKey(r)}`, { routes: { config: [r] } }));
    }
  });

  return routeOps;
}

/** Removals upper layers first, creations lower layers first, then what changes in place. */
function interfaceOps(removals: Interface[], creates: Interface[], configures: Interface[], have: ReadonlyMap<string, Interface>, actual: NetworkState): SimOperation[] {
  const operations: SimOperation[] = [];
  removals.sort((x, y) => layer(x.type) - layer(y.type));
  for (const a of removals) {
    operations.push(op(OVS_TYPES.has(a.type ?? '') ? 'ovs' : 'linux-remove', a.name, `delete ${a.type} ${a.name}`, { interfaces: [{ name: a.name, state: 'absent' }] }));
  }
  creates.sort((x, y) => layer(y.type) - layer(x.type));
  for (const d of creates) {
    const { ethernet, ...rest } = d;
    operations.push(op(OVS_TYPES.has(d.type ?? '') ? 'ovs' : 'linux-create', d.name, `create ${d.type} ${d.name} ${describe(rest)}`.trim(), { interfaces: [rest] }));
    if (ethernet) operations.push(op('sriov', d.name, `set ${d.name} ethernet=${canonicalJson(ethernet)}`, { interfaces: [{ name: d.name, ethernet }] }));
  }
  for (const d of configures) {
    const { ethernet, ...rest } = d;
    const a = have.get(d.name);
    const sriovDiffers = ethernet !== undefined && !compare({ interfaces: [{ name: d.name, ethernet }] }, actual).inSync;
    // without an sr-iov part, the entry is in `configures` because something else differs
    const restDiffers = ethernet === undefined || !compare({ interfaces: [rest] }, actual).inSync;
    if (restDiffers) {
      const stage: Stage = OVS_TYPES.has(d.type ?? a?.type ?? '') ? 'ovs' : 'linux-configure';
      operations.push(op(stage, d.name, `set ${d.name} ${describe(rest)}`, { interfaces: [rest] }));
    }
    if (sriovDiffers) operations.push(op('sriov', d.name, `set ${d.name} ethernet=${canonicalJson(ethernet)}`, { interfaces: [{ name: d.name, ethernet }] }));
  }
  return operations;
}

export function planSim(host: SimHost, desired: NetworkState, actual: NetworkState, ctx: PlanContext): BackendPlan<SimOperation> {
  const errors: PlanError[] = [];
  const have = new Map((actual.interfaces ?? []).map((i) => [i.name, i]));
  const removals: Interface[] = [];
  const creates: Interface[] = [];
  const configures: Interface[] = [];
  const gone = new Set<string>();
  const made = new Set<string>();

  (desired.interfaces ?? []).forEach((d, i) => {
    const at = `interfaces[${i}]`;
    const a = have.get(d.name);
    for (const fam of ['ipv4', 'ipv6'] as const) {
      if (d[fam]?.dhcp) errors.push({ path: `${at}.${fam}.dhcp`, message: `${d.name}: DHCP is not supported (no DHCP client yet)` });
      if (d[fam]?.autoconf) errors.push({ path: `${at}.${fam}.autoconf`, message: `${d.name}: SLAAC is not supported (no client yet)` });
    }
    const physical = host.isPhysical(d.name);
    if (d.state === 'absent') {
      if (!a) return;
      if (physical) errors.push({ path: `${at}.state`, message: `${d.name} is a physical NIC; it cannot be absent (use state: down)` });
      else {
        removals.push(a);
        gone.add(d.name);
        if (a.type === 'veth' && a.veth?.peer) gone.add(a.veth.peer);
      }
      return;
    }
    if (physical) {
      if (d.type && d.type !== a?.type) errors.push({ path: `${at}.type`, message: `${d.name} is a physical NIC of type ${a?.type}; it cannot become ${d.type}` });
    } else if (!a) {
      if (!d.type) {
        errors.push({ path: at, message: `${d.name} does not exist and no type is given to create it` });
        return;
      }
      if (PHYSICAL_TYPES.has(d.type)) {
        errors.push({ path: `${at}.type`, message: `no NIC named ${d.name} on this host (${d.type} links cannot be created)` });
        return;
      }
      const why = ctx.unsupportedTypes?.[d.type];
      if (why) {
        errors.push({ path: `${at}.type`, message: `${d.name}: this host cannot create ${d.type} links: ${why}` });
        return;
      }
      if (d.type === 'veth' && !d.veth?.peer) errors.push({ path: `${at}.veth.peer`, message: `veth ${d.name} needs a peer name` });
    } else if (needsRecreate(d, a)) {
      removals.push(a);
      gone.add(d.name);
    }
    const sriov = d.ethernet?.['sr-iov'];
    if (sriov) {
      const nic = host.nic(d.name);
      if (!nic?.sriovTotalVfs) errors.push({ path: `${at}.ethernet.sr-iov`, message: `${d.name} has no SR-IOV capability` });
      else if (sriov['total-vfs'] > nic.sriovTotalVfs) {
        errors.push({ path: `${at}.ethernet.sr-iov.total-vfs`, message: `${d.name} supports at most ${nic.sriovTotalVfs} VFs, not ${sriov['total-vfs']}` });
      }
    }
    if (!a || gone.has(d.name)) {
      creates.push(d);
      made.add(d.name);
      if (d.type === 'veth' && d.veth?.peer) made.add(d.veth.peer);
    } else if (!compare({ interfaces: [d] }, actual).inSync) configures.push(d);
  });

  const exists = (n: string) => made.has(n) || (have.has(n) && !gone.has(n));
  (desired.interfaces ?? []).forEach((d, i) => {
    if (d.state === 'absent') return;
    for (const low of lowers(d)) {
      if (!exists(low)) errors.push({ path: `interfaces[${i}]`, message: `${d.name} needs ${low}, which does not exist and is not created by this state` });
    }
  });

  const routeOps = planSimRoutes(desired, actual, exists, errors);
  const operations = interfaceOps(removals, creates, configures, have, actual);
  operations.push(...routeOps);
  const dns = desired['dns-resolver']?.config;
  if (dns && !compare({ 'dns-resolver': { config: dns } }, actual).inSync) {
    operations.push(op('dns', 'dns-resolver', `set dns ${canonicalJson(dns)}`, { 'dns-resolver': { config: dns } }));
  }
  return { operations: errors.length ? [] : operations, errors };
}

export function createSimBackend(opts: SimBackendOptions = {}): SimBackend {
  const index = opts.index ?? 0;
  const host = new SimHost(index, opts.nics ?? simNics(index));
  return {
    name: 'sim',
    host,
    nics: () => host.nics.map((n) => ({ ...n })),
    read: async () => host.read(),
    plan: (desired, actual, ctx) => planSim(host, desired, actual, ctx),
    async execute(operations) {
      if (opts.executeDelayMs) await new Promise((r) => setTimeout(r, opts.executeDelayMs));
      for (const o of operations) {
        if (o.backend !== 'sim') throw new ExecutionError(`the sim backend cannot run a ${o.backend} operation`, o, [], '', undefined);
        const command = ['sim', o.description];
        const injected = opts.fail?.(o);
        if (injected) throw new ExecutionError(`${o.description}: ${injected}`, o, command, injected, 1);
        try {
          host.apply(o.apply);
        } catch (e) {
          const message = (e as Error).message;
          throw new ExecutionError(`${o.description}: ${message}`, o, command, message, 1);
        }
      }
    },
  };
}
