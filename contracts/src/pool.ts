/**
 * Address pools (`kind: AddressPool`): a range of IPv4 addresses the controller hands out, one per
 * (pool, host), sticky. Policies read the host's address with `{{ pools.NAME.ip }}`,
 * `{{ pools.NAME.prefix-length }}` and `{{ pools.NAME.gateway }}`.
 *
 * IPv4 only for now: an IPv6 pool is refused at intake by name (its arithmetic needs 128-bit
 * integers and nobody asked for it yet).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isIPv4 } from 'node:net';
import { Name } from './names.ts';
import type { ValidationError } from './validate.ts';

const obj = <T extends Parameters<typeof Type.Object>[0]>(props: T, description?: string) =>
  Type.Object(props, { additionalProperties: false, ...(description ? { description } : {}) });

const Ipv4 = Type.String({ minLength: 7, maxLength: 15, description: 'an IPv4 address' });

export const AddressPoolSpec = obj({
  cidr: Type.String({ minLength: 9, maxLength: 18, description: 'the network the addresses belong to, e.g. 10.20.0.0/24: gives the prefix length' }),
  range: Type.Optional(obj({ start: Ipv4, end: Ipv4 }, 'first and last address handed out (default: the network without its network and broadcast addresses)')),
  exclude: Type.Optional(Type.Array(Type.String({ minLength: 7, maxLength: 31, description: 'an address or START-END' }), { maxItems: 1024 })),
  gateway: Type.Optional(Type.String({ minLength: 7, maxLength: 15, description: 'read by {{ pools.NAME.gateway }}; never handed out' })),
});

export const AddressPool = obj({
  apiVersion: Type.Literal('fleetnet.io/v1alpha1'),
  kind: Type.Literal('AddressPool'),
  metadata: obj({ name: Name }),
  spec: AddressPoolSpec,
}, 'addresses the controller gives hosts, one per host, sticky');
export type AddressPool = Static<typeof AddressPool>;

const toInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** A pool's addresses as integers: what may be handed out, in order. */
export interface PoolRange {
  prefix: number;
  first: number;
  last: number;
  /** excluded integer ranges (inclusive), the gateway among them */
  excluded: [number, number][];
}

/** Checks a pool document beyond its schema; the range it describes, or errors naming the field. */
export function poolRange(pool: AddressPool): { ok: true; range: PoolRange } | { ok: false; errors: ValidationError[] } {
  const errors: ValidationError[] = [];
  const err = (path: string, message: string) => errors.push({ path, segments: path.split(/[.[\]]+/).filter(Boolean), message });
  const [net, len] = pool.spec.cidr.split('/');
  const prefix = Number(len);
  if (!net || !isIPv4(net) || !/^\d+$/.test(len ?? '') || prefix < 8 || prefix > 30) {
    err('spec.cidr', `"${pool.spec.cidr}" is not an IPv4 network with a prefix length from 8 to 30 (pools are IPv4 only)`);
    return { ok: false, errors };
  }
  const size = 2 ** (32 - prefix);
  const base = Math.floor(toInt(net) / size) * size;
  let first = base + 1;
  let last = base + size - 2;
  const inNet = (path: string, ip: string): number | undefined => {
    if (!isIPv4(ip)) return void err(path, `"${ip}" is not an IPv4 address`);
    const n = toInt(ip);
    if (n < base || n >= base + size) return void err(path, `${ip} is outside ${pool.spec.cidr}`);
    return n;
  };
  if (pool.spec.range) {
    const s = inNet('spec.range.start', pool.spec.range.start);
    const e = inNet('spec.range.end', pool.spec.range.end);
    if (s !== undefined && e !== undefined) {
      if (s > e) err('spec.range', `start ${pool.spec.range.start} is after end ${pool.spec.range.end}`);
      first = s;
      last = e;
    }
  }
  const excluded: [number, number][] = [];
  (pool.spec.exclude ?? []).forEach((x, i) => {
    const [a, b = a] = x.split('-');
    const s = inNet(`spec.exclude[${i}]`, a!.trim());
    const e = inNet(`spec.exclude[${i}]`, b!.trim());
    if (s !== undefined && e !== undefined) excluded.push([Math.min(s, e), Math.max(s, e)]);
  });
  if (pool.spec.gateway !== undefined) {
    const g = inNet('spec.gateway', pool.spec.gateway);
    if (g !== undefined) excluded.push([g, g]);
  }
  return errors.length ? { ok: false, errors } : { ok: true, range: { prefix, first, last, excluded } };
}

/** Schema and range checks in one: what intake refuses. */
export function validatePool(doc: unknown): { ok: true; pool: AddressPool; range: PoolRange } | { ok: false; errors: ValidationError[] } {
  if (!Value.Check(AddressPool, doc)) {
    return { ok: false, errors: [...Value.Errors(AddressPool, doc)].slice(0, 20).map((e) => { const segments = e.path.split('/').filter(Boolean); return { path: segments.join('.'), segments, message: e.message }; }) };
  }
  const r = poolRange(doc);
  return r.ok ? { ok: true, pool: doc, range: r.range } : r;
}

const excludedAt = (r: PoolRange, n: number) => r.excluded.some(([s, e]) => n >= s && n <= e);

/** Whether an address may be handed out by this pool (in range, not excluded). */
export const poolHas = (r: PoolRange, ip: string) => isIPv4(ip) && toInt(ip) >= r.first && toInt(ip) <= r.last && !excludedAt(r, toInt(ip));

/** How many addresses the pool can hand out. */
export function poolSize(r: PoolRange): number {
  let n = 0;
  for (let i = r.first; i <= r.last; i++) if (!excludedAt(r, i)) n++;
  return n;
}

/** The lowest `count` free addresses, in order (fewer when the pool runs out). */
export function freeAddresses(r: PoolRange, taken: ReadonlySet<string>, count: number): string[] {
  const out: string[] = [];
  for (let i = r.first; i <= r.last && out.length < count; i++) {
    if (excludedAt(r, i)) continue;
    const ip = toIp(i);
    if (!taken.has(ip)) out.push(ip);
  }
  return out;
}

/** One allocation as views show it. */
export const PoolAllocation = obj({ host: Name, address: Type.String(), since: Type.String() });
export type PoolAllocation = Static<typeof PoolAllocation>;

export const PoolView = obj({
  name: Name,
  pool: AddressPool,
  size: Type.Integer({ minimum: 0 }),
  allocated: Type.Integer({ minimum: 0 }),
  free: Type.Integer({ minimum: 0 }),
  allocations: Type.Array(PoolAllocation),
  /** hosts that need an address the pool does not have */
  exhausted: Type.Array(Name),
  deleted: Type.Boolean(),
  updatedAt: Type.String(),
});
export type PoolView = Static<typeof PoolView>;
