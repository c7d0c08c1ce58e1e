import type { NetworkState, RouteRule } from '@fleetnet/contracts';
import { MAIN_TABLE, RouteTypes, markValue, normalizeIp, parseCidr, ruleFamily, ruleMatches, rulesRemovedBy } from '@fleetnet/contracts';
import type { HostOp } from './op.ts';

/** One entry of `ip -j rule show`. */
export interface IpRule {
  priority?: number;
  src?: string;
  srclen?: number;
  dst?: string;
  dstlen?: number;
  fwmark?: string;
  fwmask?: string;
  iif?: string;
  table?: string;
  action?: string;
  suppress_prefixlen?: number;
}

const TABLES: Record<string, number> = { main: MAIN_TABLE, local: 255, default: 253 };
const DROP: ReadonlySet<string> = new Set(RouteTypes);

/** The kernel's own rules (local, main, default lookups from all): not configuration, never removed. */
const isKernelDefault = (j: IpRule) =>
  [0, 32766, 32767].includes(j.priority ?? -1) && (j.src ?? 'all') === 'all' && !j.dst && !j.fwmark && !j.iif && !j.action && j.suppress_prefixlen === undefined;

const prefix = (ip: string | undefined, len: number | undefined, fam: 4 | 6) =>
  ip && ip !== 'all' ? `${normalizeIp(ip)}/${len ?? (fam === 4 ? 32 : 128)}` : undefined;

/** Pure: `ip -j -4|-6 rule show` as nmstate's route rules. */
export function parseRules(list: IpRule[], fam: 4 | 6): RouteRule[] {
  return list.filter((j) => !isKernelDefault(j)).map((j) => {
    const r: RouteRule = { family: fam === 6 ? 'ipv6' : 'ipv4' };
    if (j.priority !== undefined) r.priority = j.priority;
    const from = prefix(j.src, j.srclen, fam);
    const to = prefix(j.dst, j.dstlen, fam);
    if (from) r['ip-from'] = from;
    if (to) r['ip-to'] = to;
    if (j.fwmark !== undefined) r.fwmark = Number(j.fwmark);
    if (j.fwmask !== undefined && Number(j.fwmask) !== 0xffffffff) r.fwmask = Number(j.fwmask);
    if (j.iif) r.iif = j.iif;
    if (j.action && DROP.has(j.action)) r.action = j.action as RouteRule['action'];
    else if (j.table !== undefined) r['route-table'] = TABLES[j.table] ?? Number(j.table);
    if (j.suppress_prefixlen !== undefined) r['suppress-prefix-length'] = j.suppress_prefixlen;
    return r;
  });
}

const hex = (n: number) => `0x${n.toString(16)}`;
const prefixText = (p: string) => {
  const c = parseCidr(p);
  return typeof c === 'string' ? p : `${c.ip}/${c.prefix}`;
};

/** The words of `ip rule add|del` for a rule. */
export function ruleWords(r: RouteRule, priority: number | undefined): string[] {
  const w: string[] = [];
  if (priority !== undefined && priority >= 0) w.push('priority', String(priority));
  if (r['ip-from']) w.push('from', prefixText(r['ip-from']));
  if (r['ip-to']) w.push('to', prefixText(r['ip-to']));
  const mark = markValue(r.fwmark);
  const mask = markValue(r.fwmask);
  if (mark !== undefined) w.push('fwmark', mask !== undefined ? `${hex(mark)}/${hex(mask)}` : hex(mark));
  if (r.iif) w.push('iif', r.iif);
  if (r.action) w.push(r.action);
  else w.push('table', String(r['route-table'] || MAIN_TABLE));
  if (r['suppress-prefix-length'] !== undefined) w.push('suppress_prefixlength', String(r['suppress-prefix-length']));
  return w;
}

const ruleOp = (verb: 'add' | 'del', r: RouteRule, priority: number | undefined): HostOp => {
  const fam = ruleFamily(r) === 6 ? '-6' : '-4';
  const words = ruleWords(r, priority);
  return {
    backend: 'host', stage: 'linux-configure', target: `rule ${fam} ${words.join(' ')}`,
    description: `ip ${fam} rule ${verb} ${words.join(' ')}`, argv: ['ip', fam, 'rule', verb, ...words],
  };
};

/**
 * Pure: rules that absent entries match go (nmstate's wildcard), then the rules the kernel lacks are
 * added. A rule without priority gets nmstate's: the next free one from 30000 in its family.
 */
export function planRules(desired: NetworkState, actual: NetworkState): HostOp[] {
  const want = desired['route-rules']?.config ?? [];
  const have = actual['route-rules']?.config ?? [];
  const ops: HostOp[] = [];
  const gone = new Set<RouteRule>();
  for (const d of want.filter((r) => r.state === 'absent')) {
    for (const a of rulesRemovedBy(d, want, have)) {
      if (gone.has(a)) continue;
      gone.add(a);
      ops.push(ruleOp('del', a, a.priority));
    }
  }
  const used = new Set(have.filter((a) => !gone.has(a)).map((a) => `${ruleFamily(a)}/${a.priority}`));
  for (const d of want.filter((r) => r.state !== 'absent')) {
    if (have.some((a) => !gone.has(a) && ruleMatches(d, a))) continue;
    let priority = d.priority !== undefined && d.priority >= 0 ? d.priority : undefined;
    if (priority === undefined) {
      const fam = ruleFamily(d);
      const max = Math.max(29999, ...have.filter((a) => ruleFamily(a) === fam && (a.priority ?? 0) < 32766).map((a) => a.priority ?? 0));
      priority = max + 1;
      while (used.has(`${fam}/${priority}`)) priority++;
    }
    used.add(`${ruleFamily(d)}/${priority}`);
    ops.push(ruleOp('add', d, priority));
  }
  return ops;
}
