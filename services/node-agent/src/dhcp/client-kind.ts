import type { Runner } from '../exec.ts';
import type { Lease } from './lease.ts';
import { renderScript } from './script.ts';
import { renderScript6 } from './script6.ts';
import type { DhcpSettings } from './settings.ts';

/** What differs between the DHCP clients the supervisor runs: program, arguments, event script, clean-up. */
export interface ClientKind {
  /** for messages: DHCPv4, DHCPv6 */
  name: string;
  program: string;
  debianPackage: string;
  /** the client's arguments; `file(ext)` is the path of one of this interface's files */
  argv(iface: string, file: (ext: string) => string): string[];
  /** the event script (`.sh`), which writes the lease (`.lease`) for the agent */
  script(settings: DhcpSettings, leaseFile: string): string;
  /** more files written with the script, by extension */
  files: Record<string, string>;
  /** files the client writes itself, removed when it stops */
  ownFiles: string[];
  /** removes what the lease put on the interface after the client was stopped */
  removeLease(run: Runner, iface: string, lease: Lease | undefined): Promise<void>;
}

/**
 * busybox udhcpc daemonizes (`-b`: once leased, or after its first round of discovers); it does not
 * release on SIGTERM (no -R), so its addresses (kernel-dynamic) and routes (proto dhcp) are flushed.
 */
export const UDHCPC: ClientKind = {
  name: 'DHCPv4',
  program: 'udhcpc',
  debianPackage: 'udhcpc',
  argv: (iface, file) => ['-b', '-i', iface, '-s', file('sh'), '-p', file('pid'), '-t', '3', '-T', '1', '-A', '2'],
  script: renderScript,
  files: {},
  ownFiles: [],
  async removeLease(run, iface) {
    await run('ip', ['-4', 'addr', 'flush', 'dev', iface, 'dynamic']);
    await run('ip', ['-4', 'route', 'flush', 'dev', iface, 'proto', 'dhcp', 'table', 'all']);
  },
};

/**
 * ISC dhclient in DHCPv6 mode, stateful (IA_NA): `-nw` daemonizes at once; every file is named
 * (`-pf`, `-lf`, `-cf`, `-sf`), so clients of different namespaces or state directories never share
 * one, and its own configuration asks for DNS servers and search domains only (nothing from
 * /etc/dhcp). `-D LL`: the DUID from the MAC address, nmstate's default (dhcp-duid: ll).
 * Only the leased address is removed on stop: SLAAC addresses on the same link are the kernel's.
 */
export const DHCLIENT6: ClientKind = {
  name: 'DHCPv6',
  program: 'dhclient',
  debianPackage: 'isc-dhcp-client',
  argv: (iface, file) => ['-6', '-nw', '-D', 'LL', '-cf', file('conf'), '-pf', file('pid'), '-lf', file('leases'), '-sf', file('sh'), iface],
  script: renderScript6,
  files: { conf: '# written by fleetnet-agent\nrequest dhcp6.name-servers, dhcp6.domain-search;\n' },
  ownFiles: ['leases'],
  async removeLease(run, iface, lease) {
    if (lease) await run('ip', ['-6', 'addr', 'del', `${lease.ip}/${lease.prefixLength}`, 'dev', iface]);
  },
};
