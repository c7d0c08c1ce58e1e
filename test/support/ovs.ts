import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killPid, onExit, sh } from './cleanup.ts';
import type { Netns } from './netns.ts';
import { waitFor } from './ports.ts';

/**
 * A private Open vSwitch (ovsdb-server + ovs-vswitchd) running inside one network namespace, with
 * its own database and sockets, as a real host has its own. Bridges use the userspace datapath
 * (datapath_type=netdev), which needs no kernel module; its internal ports are tap devices created
 * in that namespace, so nothing of it appears in the root namespace.
 */
export interface OvsInstance {
  /** the ovsdb socket, e.g. unix:/tmp/fleetnet-ovs-x/db.sock; pass to ovs-vsctl --db= */
  db: string;
  dir: string;
  vsctl(...args: string[]): string;
  stop(): void;
}

export function ovsAvailable(): string | undefined {
  for (const bin of ['ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovsdb-tool']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    } catch {
      return `${bin} is not installed (apt-get install openvswitch-switch)`;
    }
  }
  if (!existsSync('/usr/share/openvswitch/vswitch.ovsschema')) return 'OVS schema /usr/share/openvswitch/vswitch.ovsschema is missing';
  return undefined;
}

export async function startOvs(ns: Netns): Promise<OvsInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetnet-ovs-'));
  const db = `unix:${dir}/db.sock`;
  const pidOf = (f: string) => {
    try {
      return Number(readFileSync(join(dir, f), 'utf8').trim());
    } catch {
      return undefined;
    }
  };
  const stop = () => {
    killPid(pidOf('vswitchd.pid'));
    killPid(pidOf('ovsdb.pid'));
    rmSync(dir, { recursive: true, force: true });
  };
  const removeCleanup = onExit(`ovs-${dir}`, stop);
  sh('ovsdb-tool', ['create', join(dir, 'conf.db'), '/usr/share/openvswitch/vswitch.ovsschema']);
  const inNs = ['netns', 'exec', ns.name];
  sh('ip', [...inNs, 'ovsdb-server', join(dir, 'conf.db'), `--remote=punix:${dir}/db.sock`, `--pidfile=${dir}/ovsdb.pid`,
    '--detach', `--log-file=${dir}/ovsdb.log`, `--unixctl=${dir}/ovsdb.ctl`]);
  sh('ovs-vsctl', [`--db=${db}`, '--no-wait', 'init']);
  sh('ip', [...inNs, 'ovs-vswitchd', db, `--pidfile=${dir}/vswitchd.pid`, '--detach', `--log-file=${dir}/vswitchd.log`,
    `--unixctl=${dir}/vswitchd.ctl`]);
  const vsctl = (...args: string[]) => sh('ovs-vsctl', [`--db=${db}`, '--timeout=10', ...args]);
  await waitFor(() => existsSync(join(dir, 'vswitchd.pid')), 10_000, 'ovs-vswitchd');
  return {
    db,
    dir,
    vsctl,
    stop: () => {
      removeCleanup();
      stop();
    },
  };
}
