import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Interface, NetworkState } from '@fleetnet/contracts';
import type { Runner } from '../exec.ts';

/** The per-interface IPv6 sysctls (net.ipv6.conf.IFACE.*) that say whether and how the kernel does SLAAC. */
export const IPV6_AUTO_KEYS = ['accept_ra', 'autoconf', 'forwarding', 'accept_ra_defrtr', 'accept_ra_rt_info_max_plen'] as const;
export type Ipv6AutoKey = (typeof IPV6_AUTO_KEYS)[number];
export type Ipv6Conf = ReadonlyMap<string, Partial<Record<Ipv6AutoKey, number>>>;

const CONF_DIR = '/proc/sys/net/ipv6/conf';

/** Pure: `grep -r` output (`/proc/sys/net/ipv6/conf/IFACE/KEY:VALUE` lines) per interface; `all` and `default` are not interfaces. */
export function parseIpv6Conf(text: string): Map<string, Partial<Record<Ipv6AutoKey, number>>> {
  const out = new Map<string, Partial<Record<Ipv6AutoKey, number>>>();
  for (const line of text.split('\n')) {
    const m = /^\/proc\/sys\/net\/ipv6\/conf\/([^/]+)\/([a-z_]+):(-?\d+)$/.exec(line.trim());
    if (!m || m[1] === 'all' || m[1] === 'default' || !(IPV6_AUTO_KEYS as readonly string[]).includes(m[2]!)) continue;
    const conf = out.get(m[1]!) ?? {};
    conf[m[2] as Ipv6AutoKey] = Number(m[3]);
    out.set(m[1]!, conf);
  }
  return out;
}

/**
 * The sysctls of every interface, or of those in `only` (an apply's scope: five files an interface
 * add up on a host with hundreds of links). The agent in its own namespace reads /proc itself (no
 * process); driving another namespace (`netns`), /proc/sys/net is the reader's namespace's, so one
 * `grep` runs inside it. No IPv6 in the kernel: none.
 */
export async function readIpv6Conf(run: Runner, inOtherNetns: boolean, only?: ReadonlySet<string>): Promise<Ipv6Conf> {
  if (inOtherNetns) {
    const r = await run('grep', ['-r', ...IPV6_AUTO_KEYS.map((k) => `--include=${k}`), '-e', '', CONF_DIR], { quiet: true });
    return parseIpv6Conf(r.stdout);
  }
  let names: string[] = [];
  try {
    names = readdirSync(CONF_DIR).filter((n) => !only || only.has(n));
  } catch {
    return new Map();
  }
  // in parallel, off the main thread: while the link and address reads run (the same round)
  const files = names.flatMap((name) => IPV6_AUTO_KEYS.map((key) => `${CONF_DIR}/${name}/${key}`));
  const lines = await Promise.all(files.map((f) => readFile(f, 'utf8').then(
    (v) => `${f}:${v.trim()}`,
    () => '', // an interface that went meanwhile, or a key this kernel lacks
  )));
  return parseIpv6Conf(lines.join('\n'));
}

/**
 * Pure: nmstate's automatic IPv6 settings as the kernel holds them, added to the linux read.
 * - autoconf: the kernel does SLAAC (autoconf = 1 and router advertisements accepted: accept_ra 2,
 *   or 1 while the interface does not forward). When on, auto-gateway (accept_ra_defrtr) and
 *   auto-routes (route information options, accept_ra_rt_info_max_plen > 0) are reported too.
 * - dhcp: the agent runs a DHCPv6 client there (`dhcp6`), or a kernel-dynamic /128 is there (a lease
 *   of another client: SLAAC addresses are /64).
 * Only values that change with configuration are reported (no lifetimes), so two reads agree.
 */
export function withIpv6Auto(state: NetworkState, conf: Ipv6Conf, dhcp6: ReadonlySet<string>): NetworkState {
  const annotate = (i: Interface): Interface => {
    if (!i.ipv6 || i.type === 'loopback') return i;
    const c = conf.get(i.name);
    const ipv6 = { ...i.ipv6 };
    const leased = (ipv6.address ?? []).some((a) => a['fleetnet.io/dynamic'] && a['prefix-length'] === 128);
    if (dhcp6.has(i.name) || leased) ipv6.dhcp = true;
    if (c?.autoconf !== undefined && c.accept_ra !== undefined) {
      ipv6.autoconf = c.autoconf === 1 && (c.accept_ra === 2 || (c.accept_ra === 1 && !c.forwarding));
      if (ipv6.autoconf) {
        ipv6['auto-gateway'] = c.accept_ra_defrtr === 1;
        ipv6['auto-routes'] = (c.accept_ra_rt_info_max_plen ?? 0) > 0;
      }
    }
    return { ...i, ipv6 };
  };
  return { ...state, interfaces: (state.interfaces ?? []).map(annotate) };
}
