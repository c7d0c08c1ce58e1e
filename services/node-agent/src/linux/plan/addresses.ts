import type { Interface, IpConfig } from '@fleetnet/contracts';
import { ipFamily, isLinkLocal, normalizeIp } from '@fleetnet/contracts';
import type { PlanError } from '../../backend.ts';
import { op, type LinuxOp } from './op.ts';
import type { PlanView } from './view.ts';

export type AddressList = { ip: string; 'prefix-length': number }[];

const addrKey = (a: { ip: string; 'prefix-length': number }) => `${normalizeIp(a.ip)}/${a['prefix-length']}`;

/** What the agent does not do: DHCPv4 runs a client (dhcp/), DHCPv6 and SLAAC do not run yet. */
export function unsupportedAddressing(d: Interface, v: PlanView): PlanError[] {
  const errors: PlanError[] = [];
  const cfg: IpConfig | undefined = d.ipv6;
  if (cfg?.dhcp) errors.push({ path: v.at(d.name, 'ipv6.dhcp'), message: 'DHCPv6 is not supported by the agent (its client, busybox udhcpc, does IPv4 only); give static addresses' });
  if (cfg?.autoconf) errors.push({ path: v.at(d.name, 'ipv6.autoconf'), message: 'IPv6 autoconf (SLAAC) is not supported by the agent; give static addresses' });
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
    // a lease's address is the DHCP client's while it runs; without dhcp it goes like any other
    const have = (a?.[fam]?.address ?? []).filter((x) => !(cfg.dhcp && x['fleetnet.io/dynamic']) && (wantsLinkLocal || !isLinkLocal(x.ip)));
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
