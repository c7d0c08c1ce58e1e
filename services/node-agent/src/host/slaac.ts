import type { Interface, NetworkState } from '@fleetnet/contracts';
import { isLinkLocal } from '@fleetnet/contracts';
import type { HostOp } from './op.ts';

/** sysctl spells a "." inside an interface name (eth1.101) as "/". */
const key = (name: string, k: string) => `net.ipv6.conf.${name.replace(/\./g, '/')}.${k}`;

/** What the kernel's SLAAC is to do on one interface, as sysctl values. */
export function slaacSysctls(name: string, on: boolean, gateway: boolean, routes: boolean): string[] {
  if (!on) return [`${key(name, 'accept_ra')}=0`, `${key(name, 'autoconf')}=0`];
  return [
    // 2: router advertisements are taken also while the interface forwards (1 ignores them then)
    `${key(name, 'accept_ra')}=2`,
    `${key(name, 'autoconf')}=1`,
    `${key(name, 'accept_ra_defrtr')}=${gateway ? 1 : 0}`,
    // route information options (RFC 4191) up to /64; 0: none
    `${key(name, 'accept_ra_rt_info_max_plen')}=${routes ? 64 : 0}`,
  ];
}

/**
 * Pure: IPv6 SLAAC as nmstate's `autoconf` says, done by the kernel through the interface's
 * sysctls, where the desired state names autoconf and the kernel differs (see linux/ipv6-auto.ts
 * for the read). auto-gateway: the default route from router advertisements (accept_ra_defrtr);
 * auto-routes: their route information options; auto-gateway not given follows auto-routes (nmstate).
 * Turned off, the addresses and routes SLAAC made go too (the kernel would keep them until they expire).
 */
export function planSlaac(desired: NetworkState, actual: NetworkState): HostOp[] {
  const have = new Map((actual.interfaces ?? []).map((i) => [i.name, i]));
  const ops: HostOp[] = [];
  for (const d of desired.interfaces ?? []) {
    const cfg = d.ipv6;
    if (cfg?.autoconf === undefined || d.state === 'absent') continue;
    const a: Interface | undefined = have.get(d.name);
    // not `enabled`: a read (and so a rollback's target) says enabled: false for a link without addresses yet
    const on = cfg.autoconf;
    // nmstate: every auto-* key is on unless given; auto-gateway not given follows auto-routes
    const routes = cfg['auto-routes'] ?? true;
    const gateway = cfg['auto-gateway'] ?? routes;
    const now = a?.ipv6;
    const same = on
      ? now?.autoconf === true && now['auto-gateway'] === gateway && now['auto-routes'] === routes
      : now?.autoconf === false;
    if (same && a) continue;
    const args = slaacSysctls(d.name, on, gateway, routes);
    ops.push({
      backend: 'host', stage: 'linux-configure', target: `slaac ${d.name}`,
      description: on ? `SLAAC on ${d.name} (auto-gateway ${gateway}, auto-routes ${routes}): sysctl -w ${args.join(' ')}` : `SLAAC off on ${d.name}: sysctl -w ${args.join(' ')}`,
      argv: ['sysctl', '-q', '-w', ...args],
    });
    // The kernel solicits routers only when a link comes up: on a link already up the address and the
    // routes would wait for the next unsolicited advertisement (routers send one every 200-600 s by
    // default). A router solicitation brings one now; none answering is no error (SLAAC stays on).
    if (on && (!now?.autoconf || (gateway && !now['auto-gateway']) || (routes && !now['auto-routes']))) {
      ops.push({
        backend: 'host', stage: 'linux-configure', target: `slaac ${d.name}`, bestEffort: true,
        description: `ask the routers on ${d.name} to advertise now (rdisc6: router solicitation)`,
        argv: ['rdisc6', '-1', '-q', '-r', '2', '-w', '1000', d.name],
      });
    }
    const flush = (what: string[], why: string): HostOp => ({
      backend: 'host', stage: 'linux-configure', target: `slaac ${d.name}`, description: `ip -6 route flush ${[...what, 'dev', d.name, 'proto', 'ra'].join(' ')} (${why})`,
      argv: ['ip', '-6', 'route', 'flush', ...what, 'dev', d.name, 'proto', 'ra'],
    });
    // the kernel keeps what it learnt until it expires: what is no longer wanted goes now
    if (on && now?.autoconf && now['auto-routes'] && !routes) ops.push(flush([], 'auto-routes off'));
    else if (on && now?.autoconf && now['auto-gateway'] && !gateway) ops.push(flush(['exact', '::/0'], 'auto-gateway off'));
    if (on || !now?.autoconf) continue;
    // what SLAAC made: its addresses (kernel-dynamic, not a DHCPv6 /128) and the routes of router advertisements
    for (const x of now.address ?? []) {
      if (!x['fleetnet.io/dynamic'] || x['prefix-length'] === 128 || isLinkLocal(x.ip)) continue;
      const addr = `${x.ip}/${x['prefix-length']}`;
      ops.push({ backend: 'host', stage: 'linux-configure', target: `slaac ${d.name}`, description: `ip -6 addr del ${addr} dev ${d.name} (SLAAC's)`, argv: ['ip', '-6', 'addr', 'del', addr, 'dev', d.name] });
    }
    ops.push(flush([], 'SLAAC off'));
  }
  return ops;
}
