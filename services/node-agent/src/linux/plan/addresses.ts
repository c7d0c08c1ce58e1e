import type { Interface, IpConfig } from '@fleetnet/contracts';
import { ipFamily, isLinkLocal, normalizeIp } from '@fleetnet/contracts';
import type { PlanError } from '../../backend.ts';
import { op, type LinuxOp } from './op.ts';
import type { PlanView } from './view.ts';

export type AddressList = { ip: string; 'prefix-length': number }[];

const addrKey = (a: { ip: string; 'prefix-length': number }) => `${normalizeIp(a.ip)}/${a['prefix-length']}`;

/**
 * What the agent cannot do with addressing: DHCPv4 and DHCPv6 run clients (dhcp/), SLAAC is the
 * kernel's (host/slaac.ts), and the kernel puts the routes it learns from router advertisements into
 * the main table with their own metric only.
 */
export function unsupportedAddressing(d: Interface, v: PlanView): PlanError[] {
  const errors: PlanError[] = [];
  const cfg: IpConfig | undefined = d.ipv6;
  if (!cfg?.autoconf || cfg.enabled === false) return errors;
  if (cfg['auto-route-table-id']) {
    errors.push({ path: v.at(d.name, 'ipv6.auto-route-table-id'), message: 'cannot be used with autoconf: the kernel puts the routes of router advertisements (SLAAC) into the main table only; leave auto-route-table-id out (or 0), or use autoconf: false' });
  }
  if (cfg['auto-route-metric'] !== undefined) {
    errors.push({ path: v.at(d.name, 'ipv6.auto-route-metric'), message: 'cannot be used with autoconf: the agent does not set the metric of the routes the kernel learns from router advertisements; leave auto-route-metric out' });
  }
  return errors;
}

/**
 * The address changes of one interface (`a` is undefined when its kernel object is new). When some
 * address is deleted, `addressLoss` gets the addresses it keeps, so routes flushed with it can be put back.
 */
export function addressOps(d: Interface, a: Interface | undefined, addressLoss: Map<string, AddressList>): LinuxOp[] {
  const n = d.name;
  const ops: LinuxOp[] = [];
  for (const fam of ['ipv4', 'ipv6'] as const) {
    const cfg = d[fam];
    if (!cfg) continue;
    const want = cfg.enabled === false ? [] : cfg.address;
    if (want === undefined) continue;
    const wantsLinkLocal = want.some((x) => isLinkLocal(x.ip));
    // a lease's address is the DHCP client's while it runs; without dhcp a DHCPv4 one goes like any
    // other. IPv6 dynamic addresses (DHCPv6, SLAAC) are never removed as static ones: the DHCPv6
    // client's stop removes its lease, turning autoconf off removes SLAAC's (host/slaac.ts).
    const have = (a?.[fam]?.address ?? []).filter((x) => !((cfg.dhcp || fam === 'ipv6') && x['fleetnet.io/dynamic']) && (wantsLinkLocal || !isLinkLocal(x.ip)));
    const wantKeys = new Set(want.map(addrKey));
    const haveKeys = new Set(have.map(addrKey));
    // Deletions first: with IPv4 a new address in the subnet of a deleted primary would go with it.
    const dels = [...haveKeys].filter((k) => !wantKeys.has(k)).sort();
    for (const k of dels) ops.push(op('linux-configure', n, `addr del ${k} dev ${n}`));
    for (const k of [...wantKeys].filter((k) => !haveKeys.has(k))) ops.push(op('linux-configure', n, `addr add ${k} dev ${n}`));
    if (dels.length) {
      const other = fam === 'ipv4' ? (a?.ipv6?.address ?? []) : (a?.ipv4?.address ?? []);
      const keep = addressLoss.get(n)?.filter((x) => ipFamily(x.ip) !== (fam === 'ipv4' ? 4 : 6)) ?? other;
      addressLoss.set(n, [...keep, ...want]);
    }
  }
  return ops;
}
