import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutionError, type Backend } from '../backend.ts';
import { parseResolvConf, renderResolvConf, writeAtomic } from '../dns/index.ts';
import type { Runner } from '../exec.ts';
import type { Logger } from '../log.ts';
import { planDhcp, type DhcpOp } from './plan.ts';
import { createDhcpSupervisor, type DhcpSupervisor } from './supervisor.ts';

export { planDhcp } from './plan.ts';
export { parseLease } from './lease.ts';
export { renderScript } from './script.ts';
export { settingsOf } from './settings.ts';

const readText = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // a missing resolv.conf is an empty one
  }
};

/** How long an apply waits for a lease before it fails (and rolls back) when not told otherwise. */
export const DEFAULT_LEASE_TIMEOUT_MS = 30_000;

export interface DhcpBackendOptions {
  /** the agent's state directory; the clients' files go to its `dhcp/` */
  stateDir: string;
  run: Runner;
  log: Logger;
  /** the resolv.conf the agent owns (auto-dns writes a lease's servers there) */
  resolvConf: string;
  leaseTimeoutMs?: number;
}

export type DhcpBackend = Backend & { supervisor: DhcpSupervisor };

/** DHCPv4: one busybox udhcpc per interface, supervised by the agent (see supervisor.ts). */
export function createDhcpBackend(opts: DhcpBackendOptions): DhcpBackend {
  const log = opts.log.child({ backend: 'dhcp' });
  const supervisor = createDhcpSupervisor({ dir: join(opts.stateDir, 'dhcp'), run: opts.run, log: opts.log });
  const timeoutMs = opts.leaseTimeoutMs ?? DEFAULT_LEASE_TIMEOUT_MS;

  const startAndWait = async (o: DhcpOp) => {
    try {
      await supervisor.start(o.iface, o.settings!);
    } catch (e) {
      const msg = (e as Error).message;
      throw new ExecutionError(msg, o, ['udhcpc', '-i', o.iface], msg, undefined);
    }
    const lease = await supervisor.waitLease(o.iface, timeoutMs);
    if (!lease) {
      await supervisor.stop(o.iface);
      const msg = `no DHCPv4 lease on ${o.iface} within ${Math.round(timeoutMs / 1000)} s; the client was stopped`;
      throw new ExecutionError(msg, o, ['udhcpc', '-i', o.iface], msg, undefined);
    }
    log.info({ iface: o.iface, ip: `${lease.ip}/${lease.prefixLength}`, routers: lease.routers, dns: lease.dns, leaseSeconds: lease.leaseSeconds }, 'DHCPv4 lease');
    if (o.resolvConf && lease.dns.length) {
      await writeAtomic(o.resolvConf, renderResolvConf(readText(o.resolvConf), { server: lease.dns, ...(lease.domain ? { search: [lease.domain] } : {}) }));
    }
  };

  /** The client goes; with auto-dns so do its lease's servers (others, e.g. written by hand, stay). */
  const stopAndForget = async (o: DhcpOp) => {
    const lease = supervisor.lease(o.iface);
    await supervisor.stop(o.iface);
    if (!o.resolvConf || !lease?.dns.length) return;
    const current = readText(o.resolvConf);
    const servers = parseResolvConf(current).server;
    const kept = servers.filter((x) => !lease.dns.includes(x));
    if (kept.length !== servers.length) await writeAtomic(o.resolvConf, renderResolvConf(current, { server: kept }));
  };

  return {
    name: 'dhcp',
    supervisor,
    // the kernel reports the leased addresses (dynamic) and routes (proto dhcp) through the linux backend
    read: async () => ({}),
    plan: (desired, actual) => planDhcp(desired, actual, supervisor.running(), opts.resolvConf),
    async execute(operations) {
      for (const o of operations as DhcpOp[]) {
        if (o.action === 'start') await startAndWait(o);
        else await stopAndForget(o);
      }
    },
  };
}
