import type { Backend } from './backend.ts';
import { createDhcpBackend } from './dhcp/index.ts';
import { createDnsBackend } from './dns/index.ts';
import { createHostBackend } from './host/index.ts';
import type { Runner } from './exec.ts';
import { createLinuxBackend } from './linux/index.ts';
import { createLldpBackend } from './lldp/index.ts';
import { createMacsecBackend } from './macsec/index.ts';
import type { Logger } from './log.ts';
import { createOvsBackend } from './ovs/index.ts';
import { createSriovBackend } from './sriov/index.ts';

export interface BackendOptions {
  run: Runner;
  log: Logger;
  /** ovsdb socket, e.g. unix:/run/openvswitch/db.sock; default: ovs-vsctl's own */
  ovsDb?: string;
  /** where sysfs is (tests use a fixture tree); default /sys */
  sysfsRoot?: string;
  /** the resolv.conf the agent owns; default /etc/resolv.conf */
  resolvConf?: string;
  /** the static hostname file the agent owns; default /etc/hostname */
  hostnameFile?: string;
  /** commands run in this network namespace from outside it: the hostname is this process's, not the namespace's */
  netns?: string;
  /** leave OVS out (no ovs-vsctl on this host) */
  ovs?: boolean;
  /** the agent's state directory: with it, DHCP clients and lldpd run (their files under its dhcp/, dhcp6/ and lldp/) */
  stateDir?: string;
  /** how long an apply waits for a DHCP lease, whatever the policy's probe timeout; default: that timeout when given, else 30 s */
  dhcpLeaseTimeoutMs?: number;
  /** how long an apply waits for MACsec MKA to secure a link; default 30 s */
  mkaTimeoutMs?: number;
}

/** The real backends, linux first: the others overlay the kernel's view when reading. */
export function createBackends(opts: BackendOptions): Backend[] {
  // fleetnet's own lldpd reports its interfaces itself; the linux read reports another LLDP agent's
  const lldp = opts.stateDir !== undefined ? createLldpBackend({ stateDir: opts.stateDir, run: opts.run, log: opts.log, netns: opts.netns }) : undefined;
  const dhcp = opts.stateDir !== undefined
    ? createDhcpBackend({ stateDir: opts.stateDir, run: opts.run, log: opts.log, resolvConf: opts.resolvConf ?? '/etc/resolv.conf', leaseTimeoutMs: opts.dhcpLeaseTimeoutMs })
    : undefined;
  const backends: Backend[] = [createLinuxBackend({
    run: opts.run, netns: opts.netns,
    ...(lldp ? { foreignLldp: lldp.foreignAgentRunning } : {}),
    // the DHCPv6 clients say ipv6.dhcp (nmstate's "auto": a SLAAC address may stand in for a lease)
    ...(dhcp ? { dhcp6Clients: () => new Set(dhcp.supervisor6.running().keys()) } : {}),
  })];
  if (opts.ovs !== false) backends.push(createOvsBackend({ db: opts.ovsDb, run: opts.run, log: opts.log }));
  backends.push(createSriovBackend({ root: opts.sysfsRoot ?? '/sys', run: opts.run, log: opts.log }));
  backends.push(createDnsBackend({ path: opts.resolvConf ?? '/etc/resolv.conf', log: opts.log }));
  if (dhcp) backends.push(dhcp);
  if (lldp) backends.push(lldp);
  // MACsec MKA: a wpa_supplicant per macsec link with keys (files under the state dir's macsec/)
  if (opts.stateDir !== undefined) backends.push(createMacsecBackend({ stateDir: opts.stateDir, run: opts.run, log: opts.log, timeoutMs: opts.mkaTimeoutMs }));
  backends.push(createHostBackend({ run: opts.run, log: opts.log, hostnameFile: opts.hostnameFile ?? '/etc/hostname', drivesNetns: opts.netns !== undefined }));
  return backends;
}

