import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent, type Agent, type AgentOptions } from '../src/index.ts';
import type { DhcpBackend } from '../src/dhcp/index.ts';
import { createLogger } from '../src/log.ts';
import { killPid, onExit } from '../../../test/support/cleanup.ts';
import { createNetns, vethPair, type Netns } from '../../../test/support/netns.ts';
import { waitFor } from '../../../test/support/ports.ts';

export const has = (prog: string) => spawnSync('sh', ['-c', `command -v ${prog}`]).status === 0;

/**
 * A DHCP client namespace `cli` and a server namespace `srv` joined by a veth (cli0 — srv0), the
 * server's addresses 192.0.2.1/24, 2001:db8:1::1/64 and 2001:db8:2::1/64 on srv0 (no DAD there, so
 * dnsmasq can bind at once). The tests of DHCPv4, DHCPv6 and SLAAC share it.
 */
export interface DhcpLab {
  cli: Netns;
  srv: Netns;
  dir: string;
  stateDir: string;
  resolvConf: string;
  agent(o?: Partial<AgentOptions>): Agent;
  /** dnsmasq on srv0 with these dhcp-range/option arguments (no DNS port, no host files), killed by its pid at cleanup */
  serve(args: string[]): Promise<void>;
  /** the udhcpc processes of this lab's state directory */
  dhcpPids(): number[];
  /** the dhclient -6 processes of this lab's state directory */
  dhcp6Pids(): number[];
  cleanup(): Promise<void>;
}

export function dhcpLab(tag: string): DhcpLab {
  const cli = createNetns(`${tag}c`);
  const srv = createNetns(`${tag}s`);
  vethPair(srv, 'srv0', cli, 'cli0');
  srv.exec('sysctl', ['-q', '-w', 'net.ipv6.conf.srv0.accept_dad=0']);
  srv.ip('addr', 'add', '192.0.2.1/24', 'dev', 'srv0');
  srv.ip('addr', 'add', '2001:db8:1::1/64', 'dev', 'srv0');
  srv.ip('addr', 'add', '2001:db8:2::1/64', 'dev', 'srv0');
  srv.ip('link', 'set', 'srv0', 'up');
  const dir = mkdtempSync(join(tmpdir(), `fleetnet-${tag}-test-`));
  const removeDir = onExit(`dir-${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const resolvConf = join(dir, 'resolv.conf');
  writeFileSync(resolvConf, '# test resolver\nnameserver 127.0.0.1\n');
  const stateDir = join(dir, 'state');
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const agents: Agent[] = [];
  const servers: number[] = [];
  const self: DhcpLab = {
    cli, srv, dir, stateDir, resolvConf,
    agent(o = {}) {
      const a = createAgent({ stateDir, log, netns: cli.name, sysfsRoot: join(dir, 'sys'), resolvConf, ovs: false, ...o });
      agents.push(a);
      return a;
    },
    async serve(args) {
      const pidFile = join(dir, `dnsmasq${servers.length}.pid`);
      const child = spawn('ip', [
        'netns', 'exec', srv.name, 'dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', '--conf-file=/dev/null', '--port=0',
        '--interface=srv0', '--bind-interfaces', '--user=root', `--dhcp-leasefile=${join(dir, 'dnsmasq.leases')}`, `--pid-file=${pidFile}`, ...args,
      ], { stdio: 'ignore' });
      servers.push(child.pid!);
      onExit(`dnsmasq-${child.pid}`, () => killPid(child.pid));
      await waitFor(() => existsSync(pidFile), 5000, 'dnsmasq started');
    },
    dhcpPids: () =>
      spawnSync('pgrep', ['-f', `udhcpc -b -i cli0 -s ${stateDir}/`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number),
    dhcp6Pids: () =>
      spawnSync('pgrep', ['-f', `dhclient -6 .* -pf ${stateDir}/dhcp6/cli0.pid`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number),
    async cleanup() {
      // the clients go first, by pid, through the agent's own supervisor
      const a = agents.at(-1);
      const dhcp = a?.backends.find((b) => b.name === 'dhcp') as DhcpBackend | undefined;
      for (const iface of dhcp?.supervisor.running().keys() ?? []) await dhcp!.supervisor.stop(iface);
      for (const iface of dhcp?.supervisor6.running().keys() ?? []) await dhcp!.supervisor6.stop(iface);
      for (const pid of [...self.dhcpPids(), ...self.dhcp6Pids()]) killPid(pid);
      for (const pid of servers) killPid(pid);
      cli.remove();
      srv.remove();
      removeDir();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}

export type V6Addr = { local: string; prefixlen: number; dynamic?: boolean; tentative?: boolean; scope?: string };
export const v6 = (ns: Netns, dev: string) => ((ns.ipJson('-6', 'addr', 'show', 'dev', dev, 'scope', 'global') as any[])[0]?.addr_info ?? []) as V6Addr[];
export const defaultRoutes6 = (ns: Netns) => ns.ipJson('-6', 'route', 'show', 'default') as { gateway?: string; protocol?: string; dev?: string }[];
