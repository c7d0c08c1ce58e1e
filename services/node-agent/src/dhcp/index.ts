import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutionError, type Backend } from '../backend.ts';
import { parseResolvConf, renderResolvConf, writeAtomic } from '../dns/index.ts';
import type { Runner } from '../exec.ts';
import type { Logger } from '../log.ts';
import { sleep } from '../pid.ts';
import { DHCLIENT6, UDHCPC } from './client-kind.ts';
import type { Lease } from './lease.ts';
import { planDhcp, type DhcpOp } from './plan.ts';
import { createDhcpSupervisor, type DhcpSupervisor } from './supervisor.ts';

export { planDhcp } from './plan.ts';
export { LEASE_LIMITS, parseLease } from './lease.ts';
export { renderScript } from './script.ts';
export { renderScript6 } from './script6.ts';
export { settingsOf, settingsOf6 } from './settings.ts';

const readText = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // a missing resolv.conf is an empty one
  }
};

/** How long an apply waits for a lease when neither the agent's option nor the policy's probe timeout says. */
export const DEFAULT_LEASE_TIMEOUT_MS = 30_000;

export interface DhcpBackendOptions {
  /** the agent's state directory; the clients' files go to its `dhcp/` (DHCPv4) and `dhcp6/` (DHCPv6) */
  stateDir: string;
  run: Runner;
  log: Logger;
  /** the resolv.conf the agent owns (auto-dns writes a lease's servers there) */
  resolvConf: string;
  /** how long a start waits for its lease, whatever the policy says (tests) */
  leaseTimeoutMs?: number;
}

export type DhcpBackend = Backend & { supervisor: DhcpSupervisor; supervisor6: DhcpSupervisor };

/** A SLAAC address (kernel-dynamic, global, past DAD; not a DHCPv6 /128) on `iface`. */
async function hasSlaacAddress(run: Runner, iface: string): Promise<boolean> {
  const r = await run('ip', ['-j', '-6', 'addr', 'show', 'dev', iface, 'scope', 'global'], { quiet: true });
  if (r.exitCode !== 0) return false;
  try {
    const [entry] = JSON.parse(r.stdout || '[]') as { addr_info?: { prefixlen: number; dynamic?: boolean; tentative?: boolean }[] }[];
    return (entry?.addr_info ?? []).some((a) => a.dynamic && !a.tentative && a.prefixlen !== 128);
  } catch {
    return false;
  }
}

/**
 * DHCP: one busybox udhcpc (DHCPv4) and one ISC dhclient -6 (DHCPv6) per interface that asks for it,
 * each supervised by the agent (see supervisor.ts, client-kind.ts).
 */
export function createDhcpBackend(opts: DhcpBackendOptions): DhcpBackend {
  const log = opts.log.child({ backend: 'dhcp' });
  const supervisor = createDhcpSupervisor({ kind: UDHCPC, dir: join(opts.stateDir, 'dhcp'), run: opts.run, log: opts.log });
  const supervisor6 = createDhcpSupervisor({ kind: DHCLIENT6, dir: join(opts.stateDir, 'dhcp6'), run: opts.run, log: opts.log });
  const of = (o: DhcpOp) => (o.family === 6 ? { sup: supervisor6, kind: DHCLIENT6 } : { sup: supervisor, kind: UDHCPC });

  /** The lease; with DHCPv6 and autoconf on (nmstate's "auto") a SLAAC address will do instead (undefined lease, true). */
  const waitLease = async (o: DhcpOp, timeoutMs: number): Promise<{ lease?: Lease; ok: boolean }> => {
    const { sup } = of(o);
    if (!o.settings?.slaac) {
      const lease = await sup.waitLease(o.iface, timeoutMs);
      return { lease, ok: lease !== undefined };
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lease = sup.lease(o.iface);
      if (lease) return { lease, ok: true };
      if (await hasSlaacAddress(opts.run, o.iface)) return { ok: true };
      if (Date.now() >= deadline || !sup.running().has(o.iface)) return { ok: false };
      await sleep(300);
    }
  };

  /** The DNS servers of every other running client's lease that writes them (auto-dns). */
  const otherLeaseServers = (o: DhcpOp) =>
    [supervisor, supervisor6].flatMap((sup) =>
      [...sup.running()].filter(([iface, st]) => st.autoDns && !(sup === of(o).sup && iface === o.iface)).flatMap(([iface]) => sup.lease(iface)?.dns ?? []));

  const startAndWait = async (o: DhcpOp) => {
    const { sup, kind } = of(o);
    const argv = [kind.program, ...(o.family === 6 ? ['-6'] : []), o.iface];
    try {
      await sup.start(o.iface, o.settings!);
    } catch (e) {
      const msg = (e as Error).message;
      throw new ExecutionError(msg, o, argv, msg, undefined);
    }
    // the agent's option (tests) wins; then the policy's probe timeout; then the default
    const timeoutMs = opts.leaseTimeoutMs ?? o.timeoutMs ?? DEFAULT_LEASE_TIMEOUT_MS;
    const { lease, ok } = await waitLease(o, timeoutMs);
    if (!ok) {
      await sup.stop(o.iface);
      const what = o.settings?.slaac ? `${kind.name} lease or SLAAC address` : `${kind.name} lease`;
      const msg = `no ${what} on ${o.iface} within ${Math.round(timeoutMs / 1000)} s; the client was stopped`;
      throw new ExecutionError(msg, o, argv, msg, undefined);
    }
    if (!lease) {
      log.info({ iface: o.iface }, 'SLAAC address; the DHCPv6 client keeps asking');
      return;
    }
    log.info({ iface: o.iface, ip: `${lease.ip}/${lease.prefixLength}`, routers: lease.routers, dns: lease.dns, leaseSeconds: lease.leaseSeconds }, `${kind.name} lease`);
    if (o.resolvConf && lease.dns.length) {
      const search = lease.domain?.split(/\s+/).filter(Boolean) ?? [];
      // the other clients' lease servers stay (a dual-stack link has a DHCPv4 and a DHCPv6 lease)
      const server = [...new Set([...lease.dns, ...otherLeaseServers(o)])];
      await writeAtomic(o.resolvConf, renderResolvConf(readText(o.resolvConf), { server, ...(search.length ? { search } : {}) }));
    }
  };

  /** The client goes; with auto-dns so do its lease's servers (others, e.g. written by hand, stay). */
  const stopAndForget = async (o: DhcpOp) => {
    const { sup } = of(o);
    const lease = sup.lease(o.iface);
    await sup.stop(o.iface);
    if (!o.resolvConf || !lease?.dns.length) return;
    const current = readText(o.resolvConf);
    const servers = parseResolvConf(current).server;
    const kept = servers.filter((x) => !lease.dns.includes(x));
    if (kept.length !== servers.length) await writeAtomic(o.resolvConf, renderResolvConf(current, { server: kept }));
  };

  return {
    name: 'dhcp',
    supervisor,
    supervisor6,
    // the kernel reports the leased addresses (dynamic) and routes (proto dhcp) through the linux backend
    read: async () => ({}),
    plan: (desired, actual, ctx) =>
      planDhcp(desired, actual, supervisor.running(), opts.resolvConf, { running6: supervisor6.running(), timeoutMs: ctx?.leaseTimeoutMs }),
    async execute(operations) {
      for (const o of operations as DhcpOp[]) {
        if (o.action === 'start') await startAndWait(o);
        else await stopAndForget(o);
      }
    },
  };
}
