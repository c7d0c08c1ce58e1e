/** A DHCPv4 lease as the event script writes it (`key=value` lines). */
export interface Lease {
  ip: string;
  prefixLength: number;
  routers: string[];
  dns: string[];
  domain?: string;
  leaseSeconds?: number;
}

/** Pure: the lease file's text; undefined when it holds no address. */
export function parseLease(text: string): Lease | undefined {
  const kv = new Map(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
  const ip = kv.get('ip');
  if (!ip) return undefined;
  const words = (k: string) => (kv.get(k) ?? '').split(/\s+/).filter(Boolean);
  const lease = Number(kv.get('lease'));
  return {
    ip,
    prefixLength: Number(kv.get('mask') ?? 32),
    routers: words('router'),
    dns: words('dns'),
    ...(kv.get('domain') ? { domain: kv.get('domain') } : {}),
    ...(Number.isFinite(lease) && lease > 0 ? { leaseSeconds: lease } : {}),
  };
}
