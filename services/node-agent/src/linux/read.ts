import type { NetworkState } from '@fleetnet/contracts';
import type { Runner } from '../exec.ts';
import { commandText } from '../exec.ts';
import { parseLinuxState, type IpAddrEntry, type IpLink, type IpRoute } from './parse.ts';

export class ReadError extends Error {
  override name = 'ReadError';
}

async function json<T>(run: Runner, cmd: string, args: string[]): Promise<T> {
  const r = await run(cmd, args);
  if (r.exitCode !== 0) throw new ReadError(`${commandText(r.argv)} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  const text = r.stdout.trim();
  return (text ? JSON.parse(text) : []) as T;
}

/** The kernel's interfaces, addresses and routes of every table: one process per kind, in parallel. */
export async function readLinux(run: Runner): Promise<NetworkState> {
  const [links, addrs, routes4, routes6] = await Promise.all([
    json<IpLink[]>(run, 'ip', ['-j', '-d', 'link', 'show']),
    json<IpAddrEntry[]>(run, 'ip', ['-j', 'addr', 'show']),
    json<IpRoute[]>(run, 'ip', ['-j', '-4', 'route', 'show', 'table', 'all']),
    json<IpRoute[]>(run, 'ip', ['-j', '-6', 'route', 'show', 'table', 'all']),
  ]);
  return parseLinuxState({ links, addrs, routes4, routes6 });
}
