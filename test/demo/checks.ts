import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { FleetHost } from '../support/fleet.ts';
import { kernelLink, ROUTER_IP } from '../support/fleet.ts';
import { roleOf } from './roles.ts';

// async: the NATS relay into the namespaces runs in this process and must not be blocked
const run = promisify(execFile);
const ipJson = async (h: FleetHost, ...args: string[]) => JSON.parse((await run('ip', ['-n', h.ns.name, '-j', ...args])).stdout || '[]');

export interface CheckResult {
  host: string;
  check: string;
  ok: boolean;
  detail: string;
}

async function pings(from: FleetHost, ip: string, tries = 10): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    try {
      await run('ip', ['netns', 'exec', from.ns.name, 'ping', '-c', '1', '-W', '1', ip]);
      return true;
    } catch {
      // the userspace datapath learns MACs after a reconfiguration; give it a moment
    }
  }
  return false;
}

/**
 * What the kernel and the wire say after the rollout, independent of what the agents reported:
 * the routes and resolver every host must have, jumbo frames on compute hosts, and a ping between
 * storage hosts across the OVS bond on VLAN 100 (the frames cross the router's trunk bridge tagged).
 */
export async function dataPlaneChecks(hosts: FleetHost[]): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const h of hosts) {
    const routes = await ipJson(h, 'route', 'show', 'default');
    const gw = routes.find((r: { gateway?: string }) => r.gateway === ROUTER_IP);
    out.push({ host: h.name, check: 'default route', ok: !!gw, detail: gw ? `via ${ROUTER_IP} dev ${gw.dev}` : JSON.stringify(routes) });
    const resolv = readFileSync(h.resolvConf, 'utf8');
    const ns = resolv.includes(`nameserver ${ROUTER_IP}`);
    out.push({ host: h.name, check: 'resolv.conf', ok: ns, detail: ns ? `nameserver ${ROUTER_IP}` : resolv.trim().replace(/\n/g, ' | ') });
    if (roleOf(h.index) === 'compute') {
      const br = await kernelLink(h, 'br-vm');
      const d0 = await kernelLink(h, 'data0');
      const ok = br?.mtu === 9000 && d0?.mtu === 9000 && d0?.master === 'br-vm';
      out.push({ host: h.name, check: 'br-vm mtu 9000', ok, detail: `br-vm mtu ${br?.mtu ?? 'missing'}, data0 mtu ${d0?.mtu} master ${d0?.master ?? 'none'}` });
    }
  }
  const storage = hosts.filter((h) => roleOf(h.index) === 'storage');
  for (const [i, h] of storage.entries()) {
    const peer = storage[(i + 1) % storage.length]!;
    if (peer === h) continue;
    // the address the peer's pool gave it, as its kernel has it
    const link = await ipJson(peer, 'addr', 'show', 'dev', 'stor100').catch(() => []);
    const ip: string = link[0]?.addr_info?.find((a: { family: string }) => a.family === 'inet')?.local ?? 'none';
    const ok = ip.startsWith('10.100.0.') && await pings(h, ip);
    out.push({ host: h.name, check: `ping ${peer.name} on VLAN 100`, ok, detail: ok ? `${ip} via bond0/stor100` : `${ip} unreachable` });
  }
  return out;
}
