import type { NetworkState } from '@fleetnet/contracts';
import type { Runner } from '../exec.ts';
import { commandText } from '../exec.ts';
import type { BridgeVlanPort } from './port-vlans.ts';
import { lldpAgentRunning, withLldp } from './lldp.ts';
import { lockedCwndKeys, parseLinuxState, type IpAddrEntry, type IpLink, type IpNetconf, type IpRoute } from './parse.ts';

export class ReadError extends Error {
  override name = 'ReadError';
}

async function json<T>(run: Runner, cmd: string, args: string[]): Promise<T> {
  const r = await run(cmd, args);
  if (r.exitCode !== 0) throw new ReadError(`${commandText(r.argv)} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  const text = r.stdout.trim();
  return (text ? JSON.parse(text) : []) as T;
}

/**
 * Addresses, IPv4 routes and IPv6 routes of every table in ONE `ip -j -batch -` process. Each line
 * prints one JSON array on one line, the same as `ip -j addr show`, `ip -j -4 route show table all`
 * and `ip -j -6 route show table all` print: `root 0.0.0.0/0` / `root ::/0` select a family the way
 * -4 / -6 do (a batch line cannot carry -4 / -6). Undefined when the output is not three arrays
 * (an iproute2 that prints batch JSON otherwise): the caller then runs the three reads separately.
 */
const BATCH_LINES = ['addr show', 'route show table all root 0.0.0.0/0', 'route show table all root ::/0', 'netconf show'];
type Batch = { addrs: IpAddrEntry[]; routes4: IpRoute[]; routes6: IpRoute[]; netconf: IpNetconf[] };

async function readBatch(run: Runner): Promise<Batch | undefined> {
  const r = await run('ip', ['-j', '-batch', '-'], { input: BATCH_LINES.join('\n') + '\n' });
  if (r.exitCode !== 0) return undefined;
  const parts = r.stdout.split('\n').filter((l) => l.trim());
  if (parts.length !== BATCH_LINES.length) return undefined;
  try {
    const [addrs, routes4, routes6, netconf] = parts.map((p) => JSON.parse(p) as unknown);
    if (![addrs, routes4, routes6, netconf].every(Array.isArray)) return undefined;
    return { addrs, routes4, routes6, netconf } as Batch;
  } catch {
    return undefined;
  }
}

/**
 * The lock flag of a route's cwnd is printed only in text: read the text, once, only when a route
 * has a cwnd at all (rare), so the common read stays two processes.
 */
async function readLockedCwnd(run: Runner, routes: IpRoute[]): Promise<Set<string>> {
  if (!routes.some((r) => r.metrics?.some((m) => m.cwnd !== undefined))) return new Set();
  const r = await run('ip', ['-batch', '-'], { input: 'route show table all root 0.0.0.0/0\nroute show table all root ::/0\n' });
  if (r.exitCode !== 0) throw new ReadError(`${commandText(r.argv)} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  return lockedCwndKeys(r.stdout);
}

/** Port VLANs, read only when some bridge filters VLANs (rare), so the common read stays two processes. */
async function readPortVlans(run: Runner, links: IpLink[]): Promise<BridgeVlanPort[]> {
  if (!links.some((l) => l.linkinfo?.info_kind === 'bridge' && Number(l.linkinfo.info_data?.vlan_filtering ?? 0) === 1)) return [];
  return json<BridgeVlanPort[]>(run, 'bridge', ['-j', '-c', 'vlan', 'show']);
}

/**
 * The kernel's interfaces, addresses and routes of every table: links in one process and the rest in
 * one `ip -batch` process, in parallel (two processes instead of four: on a busy host each process
 * start costs more than the read itself).
 */
export async function readLinux(run: Runner, foreignLldp: () => boolean = () => lldpAgentRunning()): Promise<NetworkState> {
  const [links, batched] = await Promise.all([
    json<IpLink[]>(run, 'ip', ['-j', '-d', 'link', 'show']),
    readBatch(run),
  ]);
  const rest = batched ?? await (async () => {
    const [addrs, routes4, routes6, netconf] = await Promise.all([
      json<IpAddrEntry[]>(run, 'ip', ['-j', 'addr', 'show']),
      json<IpRoute[]>(run, 'ip', ['-j', '-4', 'route', 'show', 'table', 'all']),
      json<IpRoute[]>(run, 'ip', ['-j', '-6', 'route', 'show', 'table', 'all']),
      json<IpNetconf[]>(run, 'ip', ['-j', 'netconf', 'show']),
    ]);
    return { addrs, routes4, routes6, netconf };
  })();
  const [lockedCwnd, portVlans] = await Promise.all([readLockedCwnd(run, [...rest.routes4, ...rest.routes6]), readPortVlans(run, links)]);
  return withLldp(parseLinuxState({ links, ...rest, lockedCwnd, portVlans }), foreignLldp());
}
