export type Family = 4 | 6;

const V4_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;
const ZONE = /^[0-9a-zA-Z\-.:]+$/;

function isV4(ip: string): boolean {
  const parts = ip.split('.');
  return parts.length === 4 && parts.every((p) => V4_OCTET.test(p));
}

/** node's isIPv6, zone ids (`fe80::1%eth0`) and an embedded IPv4 tail included. */
function isV6(ip: string): boolean {
  const pct = ip.indexOf('%');
  if (pct >= 0 && !ZONE.test(ip.slice(pct + 1))) return false;
  const addr = pct >= 0 ? ip.slice(0, pct) : ip;
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  const groups = (half: string): number | undefined => {
    if (half === '') return 0;
    const parts = half.split(':');
    let n = 0;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        if (!isV4(p)) return undefined;
        n += 2;
      } else if (V6_GROUP.test(p)) n++;
      else return undefined;
    }
    return n;
  };
  if (halves.length === 1) return groups(addr) === 8 && addr !== '';
  const [head, tail] = [groups(halves[0]!), groups(halves[1]!)];
  // an IPv4 tail only at the very end; "::" stands for at least one group
  if (head === undefined || tail === undefined || halves[0]!.includes('.')) return false;
  return head + tail <= 7;
}

/**
 * 4 or 6 for a valid address, 0 otherwise: what node's net.isIP answers, without its IPv6 regular
 * expression, whose first use costs ~4 ms of every cold CLI process (ip.test.ts checks the two agree).
 */
export const ipFamily = (ip: string): 0 | Family => (isV4(ip) ? 4 : ip.includes(':') && isV6(ip) ? 6 : 0);

function v6Groups(ip: string): number[] {
  let text = ip.toLowerCase();
  const v4 = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16));
}

/** RFC 5952 canonical text: so that "2001:DB8:0::1" and "2001:db8::1" compare equal. */
export function normalizeIp(ip: string): string {
  const family = ipFamily(ip);
  if (family === 4) return ip.split('.').map((o) => String(Number(o))).join('.');
  if (family !== 6) return ip;
  const g = v6Groups(ip);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function toBits(ip: string): bigint {
  if (ipFamily(ip) === 4) return ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
  return v6Groups(ip).reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

function fromBits(bits: bigint, family: Family): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((bits >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((bits >> s) & 0xffffn).toString(16));
  return normalizeIp(groups.join(':'));
}

export interface Cidr {
  ip: string;
  prefix: number;
  family: Family;
}

/** Parses "10.0.0.0/8" (a bare address means a host route); a reason string when invalid. */
export function parseCidr(text: string): Cidr | string {
  const [ip, prefixText, extra] = text.split('/');
  if (extra !== undefined || ip === undefined) return `"${text}" is not an address/prefix`;
  const family = ipFamily(ip);
  if (!family) return `"${ip}" is not an IPv4 or IPv6 address`;
  const max = family === 4 ? 32 : 128;
  if (prefixText === undefined) return { ip: normalizeIp(ip), prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    return `prefix length "${prefixText}" is out of range 0..${max} for IPv${family}`;
  }
  return { ip: normalizeIp(ip), prefix: Number(prefixText), family };
}

/** The network address of ip/prefix, e.g. 10.1.2.3/8 → 10.0.0.0. */
export function networkAddress(ip: string, prefix: number): string {
  const family = ipFamily(ip) as Family;
  const width = family === 4 ? 32n : 128n;
  const mask = prefix === 0 ? 0n : ((1n << width) - 1n) ^ ((1n << (width - BigInt(prefix))) - 1n);
  return fromBits(toBits(ip) & mask, family);
}

export const formatCidr = (c: { ip: string; prefix: number }) => `${c.ip}/${c.prefix}`;

/** Canonical route destination text ("default" becomes 0.0.0.0/0; none, as in a wildcard absent route, is ""). */
export function normalizeDestination(dest: string | undefined): string {
  if (dest === undefined) return '';
  if (dest === 'default') return '0.0.0.0/0';
  const c = parseCidr(dest);
  return typeof c === 'string' ? dest : formatCidr(c);
}

export const isDefaultDestination = (dest: string | undefined): dest is string => {
  const d = normalizeDestination(dest);
  return d === '0.0.0.0/0' || d === '::/0';
};

export function prefixToNetmask(prefix: number): string {
  return fromBits(prefix === 0 ? 0n : (0xffffffffn << BigInt(32 - prefix)) & 0xffffffffn, 4);
}

export function netmaskToPrefix(mask: string): number | undefined {
  if (ipFamily(mask) !== 4) return undefined;
  const bits = toBits(mask).toString(2).padStart(32, '0');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : undefined;
}

export const isLinkLocal = (ip: string) => ipFamily(ip) === 6 && normalizeIp(ip).startsWith('fe80:');
