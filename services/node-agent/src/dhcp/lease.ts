import { ipFamily } from '@fleetnet/contracts';

/** A DHCP lease as the event script writes it (`key=value` lines). */
export interface Lease {
  ip: string;
  prefixLength: number;
  routers: string[];
  dns: string[];
  domain?: string;
  leaseSeconds?: number;
}

/**
 * What a lease may hold. Its values come from whatever DHCP server answered on the link: they end in
 * the resolv.conf the agent writes and in its reports, so they are bounded and checked like any input
 * from outside (resolv.conf itself uses 3 servers and 6 search domains).
 */
export const LEASE_LIMITS = { maxBytes: 64 * 1024, maxServers: 8, maxSearch: 6, maxDomainLength: 253 } as const;
const DOMAIN = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})?)*\.?$/;

/**
 * Pure: the lease file's text; undefined when it holds no valid address (or is over the size bound).
 * The first line of a key counts (a value cannot smuggle in a later `ip=`); routers and DNS servers
 * that are not addresses, and search domains that are not domain names, are left out.
 */
export function parseLease(text: string): Lease | undefined {
  if (text.length > LEASE_LIMITS.maxBytes) return undefined;
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !kv.has(line.slice(0, eq))) kv.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const ip = kv.get('ip') ?? '';
  const family = ipFamily(ip);
  const prefixLength = Number(kv.get('mask') ?? (family === 6 ? 128 : 32));
  if (!family || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > (family === 4 ? 32 : 128)) return undefined;
  const words = (k: string) => (kv.get(k) ?? '').split(/\s+/).filter(Boolean);
  const addresses = (k: string) => words(k).filter((a) => ipFamily(a) !== 0).slice(0, LEASE_LIMITS.maxServers);
  const search = words('domain').filter((d) => DOMAIN.test(d)).slice(0, LEASE_LIMITS.maxSearch);
  const lease = Number(kv.get('lease'));
  return {
    ip,
    prefixLength,
    routers: addresses('router'),
    dns: addresses('dns'),
    ...(search.length ? { domain: search.join(' ') } : {}),
    ...(Number.isFinite(lease) && lease > 0 ? { leaseSeconds: lease } : {}),
  };
}
