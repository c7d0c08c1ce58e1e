import type { NetworkState, Route, RouteRule } from './state.ts';
import { ipFamily, networkAddress, parseCidr, type Family } from './ip.ts';
import { error, type ValidationError } from './validate.ts';

type Seg = (string | number)[];

/** A rule mark (fwmark/fwmask) as a number: the schema takes decimal or 0x hex text too (nmstate's spelling). */
export const markValue = (m: number | string | undefined): number | undefined =>
  m === undefined ? undefined : typeof m === 'number' ? m : Number(m);

/** The family a rule is for: its addresses', else its `family`, else IPv4 (as `ip rule` does). */
export function ruleFamily(r: RouteRule): Family {
  for (const p of [r['ip-from'], r['ip-to']]) {
    const c = p ? parseCidr(p) : undefined;
    if (c && typeof c !== 'string') return c.family;
  }
  return r.family === 'ipv6' ? 6 : 4;
}

function prefixErrors(text: string | undefined, where: Seg, out: ValidationError[]): Family | undefined {
  if (text === undefined || text === '') return undefined;
  const c = parseCidr(text);
  if (typeof c === 'string') {
    out.push(error(where, c));
    return undefined;
  }
  if (networkAddress(c.ip, c.prefix) !== c.ip) {
    out.push(error(where, `${text} has host bits set; did you mean ${networkAddress(c.ip, c.prefix)}/${c.prefix}?`));
  }
  return c.family;
}

function routeErrors(r: Route, here: Seg, absentIfaces: ReadonlySet<string>): ValidationError[] {
  const out: ValidationError[] = [];
  const absent = r.state === 'absent';
  let family: Family | undefined;
  if (r.destination === undefined) {
    if (!absent) out.push(error([...here, 'destination'], 'is required (only a route with state: absent may leave it out, to match any destination)'));
  } else family = prefixErrors(r.destination === 'default' ? '0.0.0.0/0' : r.destination, [...here, 'destination'], out);
  const hop = r['next-hop-address'];
  if (hop !== undefined && hop !== '') {
    const f = ipFamily(hop);
    if (!f) out.push(error([...here, 'next-hop-address'], `"${hop}" is not an IP address`));
    else if (family && f !== family) out.push(error([...here, 'next-hop-address'], `IPv${f} next hop for an IPv${family} destination`));
  }
  if (r.source !== undefined) {
    const f = ipFamily(r.source);
    if (!f) out.push(error([...here, 'source'], `"${r.source}" is not an IP address`));
    else if (family && f !== family) out.push(error([...here, 'source'], `IPv${f} source for an IPv${family} destination`));
  }
  if (r['route-type'] && !absent) {
    // nmstate's rule: a route that drops traffic goes nowhere, so it names no next hop
    if (hop) out.push(error([...here, 'next-hop-address'], `a ${r['route-type']} route takes no next-hop-address`));
    if (r['next-hop-interface'] && r['next-hop-interface'] !== 'lo') {
      out.push(error([...here, 'next-hop-interface'], `a ${r['route-type']} route takes no next-hop-interface`));
    }
  } else if (!absent && !hop && r['next-hop-interface'] === undefined) {
    out.push(error(here, 'a route needs next-hop-address or next-hop-interface'));
  }
  const dev = r['next-hop-interface'];
  if (dev !== undefined && !absent && absentIfaces.has(dev)) {
    out.push(error([...here, 'next-hop-interface'], `interface "${dev}" is marked absent in this document`));
  }
  if (absent && Object.keys(r).filter((k) => k !== 'state' && k !== 'metric').length === 0) {
    out.push(error(here, 'an absent route must name something to match (destination, next-hop-interface, table-id …); it would remove every route'));
  }
  return out;
}

function ruleErrors(r: RouteRule, here: Seg): ValidationError[] {
  const out: ValidationError[] = [];
  const from = prefixErrors(r['ip-from'], [...here, 'ip-from'], out);
  const to = prefixErrors(r['ip-to'], [...here, 'ip-to'], out);
  const want = r.family === 'ipv6' ? 6 : r.family === 'ipv4' ? 4 : undefined;
  if (from && to && from !== to) out.push(error([...here, 'ip-to'], `IPv${to} ip-to with an IPv${from} ip-from`));
  for (const [k, f] of [['ip-from', from], ['ip-to', to]] as const) {
    if (f && want && f !== want) out.push(error([...here, k], `an IPv${f} prefix in a rule of family ${r.family}`));
  }
  if (r.fwmask !== undefined && r.fwmark === undefined) out.push(error([...here, 'fwmask'], 'fwmask needs fwmark'));
  for (const k of ['fwmark', 'fwmask'] as const) {
    const v = markValue(r[k]);
    if (v !== undefined && v > 0xffffffff) out.push(error([...here, k], `must be at most 0xffffffff, got ${r[k]}`));
  }
  if (r.state === 'absent') {
    if (Object.keys(r).filter((k) => k !== 'state').length === 0) out.push(error(here, 'an absent rule must name something to match (priority, route-table, ip-from …)'));
    return out;
  }
  if (r.action && r['route-table'] !== undefined) out.push(error([...here, 'route-table'], `a rule with action ${r.action} looks up no table`));
  // nmstate's rule: a rule says at least which family it is for
  if (r['ip-from'] === undefined && r['ip-to'] === undefined && r.family === undefined) {
    out.push(error(here, 'a rule needs ip-from, ip-to or family'));
  }
  if (r.priority !== undefined && [0, 32766, 32767].includes(r.priority)) {
    out.push(error([...here, 'priority'], `priority ${r.priority} belongs to one of the kernel's own rules (local, main, default)`));
  }
  const sp = r['suppress-prefix-length'];
  if (sp !== undefined && sp > (ruleFamily(r) === 4 ? 32 : 128)) {
    out.push(error([...here, 'suppress-prefix-length'], `must be at most ${ruleFamily(r) === 4 ? 32 : 128} for IPv${ruleFamily(r)}, got ${sp}`));
  }
  return out;
}

/** Routes, rules, DNS and hostname: the rules of the top-level sections the schema cannot express. */
export function routingErrors(state: NetworkState, at: Seg, absentIfaces: ReadonlySet<string>): ValidationError[] {
  const out: ValidationError[] = [];
  (state.routes?.config ?? []).forEach((r, i) => out.push(...routeErrors(r, [...at, 'routes', 'config', i], absentIfaces)));
  const prio = new Map<string, number>();
  (state['route-rules']?.config ?? []).forEach((r, i) => {
    const here = [...at, 'route-rules', 'config', i];
    out.push(...ruleErrors(r, here));
    if (r.state === 'absent' || r.priority === undefined || r.priority < 0) return;
    const key = `${ruleFamily(r)}/${r.priority}`;
    if (prio.has(key)) out.push(error([...here, 'priority'], `priority ${r.priority} is also given to route-rules.config[${prio.get(key)}]`));
    else prio.set(key, i);
  });
  state['dns-resolver']?.config?.server?.forEach((s, i) => {
    if (!ipFamily(s.replace(/%[^%]+$/, ''))) out.push(error([...at, 'dns-resolver', 'config', 'server', i], `"${s}" is not an IP address`));
  });
  state['dns-resolver']?.config?.search?.forEach((s, i) => {
    if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\.?$/.test(s)) {
      out.push(error([...at, 'dns-resolver', 'config', 'search', i], `"${s}" is not a domain name`));
    }
  });
  const opts = state['dns-resolver']?.config?.options ?? [];
  opts.forEach((o, i) => {
    const name = o.split(':')[0];
    const first = opts.findIndex((x) => x.split(':')[0] === name);
    if (first !== i) out.push(error([...at, 'dns-resolver', 'config', 'options', i], `option ${name} is also given at options[${first}]`));
  });
  return out;
}
