import type { Interface, NetworkState, Route, RouteRule } from './state.ts';
import { isDefaultDestination, normalizeDestination, normalizeIp, parseCidr } from './ip.ts';
import { markValue, ruleFamily } from './semantic-routing.ts';

/** Routes, route rules, per-interface forwarding, DNS options and the hostname: desired vs actual. */

export const MAIN_TABLE = 254;

type Add = (path: string, property: string, expected: unknown, actual: unknown, inSync?: boolean) => void;

const sameIp = (d: string | undefined, a: string | undefined) => (a === undefined ? undefined : normalizeIp(a)) === (d === undefined ? undefined : normalizeIp(d));

/** The identity of a route: what makes two routes the same entry in the kernel's table. */
export function routeKey(r: Route): string {
  return [
    ...(r['route-type'] ? [r['route-type']] : []),
    normalizeDestination(r.destination),
    r['next-hop-address'] ? normalizeIp(r['next-hop-address']) : '-',
    r['next-hop-interface'] ?? '-',
    r['table-id'] || MAIN_TABLE,
  ].join(' ');
}

/** Does actual route `a` satisfy desired route `d`? Only what `d` names must match. */
export function routeMatches(d: Route, a: Route): boolean {
  if (normalizeDestination(d.destination) !== normalizeDestination(a.destination)) return false;
  if ((d['table-id'] || MAIN_TABLE) !== (a['table-id'] || MAIN_TABLE)) return false;
  if ((d['route-type'] ?? 'unicast') !== (a['route-type'] ?? 'unicast')) return false;
  if (d['next-hop-address'] && !sameIp(d['next-hop-address'], a['next-hop-address'])) return false;
  if (d['next-hop-interface'] && d['route-type'] === undefined && d['next-hop-interface'] !== a['next-hop-interface']) return false;
  if (d.metric !== undefined && d.metric !== a.metric) return false;
  if (d.source !== undefined && !sameIp(d.source, a.source)) return false;
  if (d.cwnd !== undefined && d.cwnd !== a.cwnd) return false;
  return true;
}

/**
 * nmstate's match of an absent route: every key it gives must match, a key it leaves out matches
 * anything (no destination: every destination; no table-id or 0: every table); an empty
 * next-hop-address matches only routes without a gateway. The metric is never compared.
 */
export function absentRouteMatches(d: Route, a: Route): boolean {
  if (d.destination !== undefined && d.destination !== '' && normalizeDestination(d.destination) !== normalizeDestination(a.destination)) return false;
  if (d['table-id'] && d['table-id'] !== (a['table-id'] || MAIN_TABLE)) return false;
  if (d['next-hop-interface'] !== undefined && d['next-hop-interface'] !== a['next-hop-interface']) return false;
  const hop = d['next-hop-address'];
  if (hop === '' && a['next-hop-address']) return false;
  if (hop && !sameIp(hop, a['next-hop-address'])) return false;
  if (d['route-type'] !== undefined && d['route-type'] !== a['route-type']) return false;
  if (d.source !== undefined && !sameIp(d.source, a.source)) return false;
  if (d.cwnd !== undefined && d.cwnd !== a.cwnd) return false;
  return true;
}

/** The actual routes an absent entry removes: those it matches that no present entry of the same state wants. */
export function routesRemovedBy(d: Route, desired: readonly Route[], actual: readonly Route[]): Route[] {
  const wanted = desired.filter((x) => x.state !== 'absent');
  return actual.filter((a) => absentRouteMatches(d, a) && !wanted.some((w) => routeMatches(w, a)));
}

export const showRoute = (r: Route) =>
  [
    r['route-type'] ?? '',
    r.destination === undefined ? '*' : normalizeDestination(r.destination),
    r['next-hop-address'] ? `via ${r['next-hop-address']}` : '',
    r['next-hop-interface'] ? `dev ${r['next-hop-interface']}` : '',
    r['table-id'] && r['table-id'] !== MAIN_TABLE ? `table ${r['table-id']}` : '',
    r.source ? `src ${r.source}` : '',
    r.metric !== undefined ? `metric ${r.metric}` : '',
    r.cwnd !== undefined ? `cwnd lock ${r.cwnd}` : '',
  ].filter(Boolean).join(' ');

export function compareRoutes(add: Add, desired: Route[], actual: Route[]) {
  for (const d of desired) {
    const path = `routes[${showRoute({ ...d, state: undefined })}]`;
    const isDefault = isDefaultDestination(d.destination);
    const property = isDefault ? 'default_route' : 'route';
    if (d.state === 'absent') {
      add(path, property, 'absent', routesRemovedBy(d, desired, actual).length ? 'present' : 'absent');
      continue;
    }
    add(path, property, 'present', actual.some((a) => routeMatches(d, a)) ? 'present' : 'absent');
    if (isDefault && d['next-hop-address']) {
      // oVirt's "gateway": which next hop the default route of that table really uses.
      const table = d['table-id'] || MAIN_TABLE;
      const fam = (d.destination ?? '').includes(':') ? ':' : '.';
      const gw = actual.find(
        (a) => isDefaultDestination(a.destination) && (a['table-id'] || MAIN_TABLE) === table && (a['next-hop-address'] ?? '').includes(fam),
      )?.['next-hop-address'];
      add(`${path}.gateway`, 'gateway', normalizeIp(d['next-hop-address']), gw ? normalizeIp(gw) : null);
    }
  }
}

/** A prefix in one canonical text ("" for none): a bare address is a host prefix. */
const prefixText = (p: string | undefined) => {
  if (p === undefined || p === '') return '';
  const c = parseCidr(p);
  return typeof c === 'string' ? p : `${c.ip}/${c.prefix}`;
};

/** The table a rule looks up, as the kernel shows it: main when none and no action is given (nmstate's default). */
export const ruleTable = (r: RouteRule) => (r.action ? undefined : r['route-table'] || MAIN_TABLE);

/** Does actual rule `a` satisfy desired rule `d`? Only what `d` names must match. */
export function ruleMatches(d: RouteRule, a: RouteRule): boolean {
  if (ruleFamily(d) !== ruleFamily(a)) return false;
  if (prefixText(d['ip-from']) !== prefixText(a['ip-from'])) return false;
  if (prefixText(d['ip-to']) !== prefixText(a['ip-to'])) return false;
  if (d.priority !== undefined && d.priority >= 0 && d.priority !== a.priority) return false;
  if (ruleTable(d) !== ruleTable(a)) return false;
  if ((d.action ?? '') !== (a.action ?? '')) return false;
  if (markValue(d.fwmark) !== markValue(a.fwmark)) return false;
  if (d.fwmask !== undefined && markValue(d.fwmask) !== markValue(a.fwmask)) return false;
  if ((d.iif ?? '') !== (a.iif ?? '')) return false;
  if (d['suppress-prefix-length'] !== undefined && d['suppress-prefix-length'] !== a['suppress-prefix-length']) return false;
  return true;
}

/** nmstate's match of an absent rule: the keys it gives must match (an empty ip-from/ip-to: the rule has none). */
export function absentRuleMatches(d: RouteRule, a: RouteRule): boolean {
  const fam = d.family ?? (d['ip-from'] || d['ip-to'] ? (ruleFamily(d) === 6 ? 'ipv6' : 'ipv4') : undefined);
  if (fam && (fam === 'ipv6' ? 6 : 4) !== ruleFamily(a)) return false;
  if (d['ip-from'] !== undefined && prefixText(d['ip-from']) !== prefixText(a['ip-from'])) return false;
  if (d['ip-to'] !== undefined && prefixText(d['ip-to']) !== prefixText(a['ip-to'])) return false;
  if (d.priority !== undefined && d.priority > 0 && d.priority !== a.priority) return false;
  if (d['route-table'] !== undefined && (d['route-table'] || MAIN_TABLE) !== ruleTable(a)) return false;
  if (d.action !== undefined && d.action !== a.action) return false;
  if (d.fwmark !== undefined && markValue(d.fwmark) !== markValue(a.fwmark)) return false;
  if (d.fwmask !== undefined && markValue(d.fwmask) !== markValue(a.fwmask)) return false;
  if (d.iif !== undefined && d.iif !== a.iif) return false;
  if (d['suppress-prefix-length'] !== undefined && d['suppress-prefix-length'] !== a['suppress-prefix-length']) return false;
  return true;
}

/** The actual rules an absent entry removes: those it matches that no present entry of the same state wants. */
export function rulesRemovedBy(d: RouteRule, desired: readonly RouteRule[], actual: readonly RouteRule[]): RouteRule[] {
  const wanted = desired.filter((x) => x.state !== 'absent');
  return actual.filter((a) => absentRuleMatches(d, a) && !wanted.some((w) => ruleMatches(w, a)));
}

export const showRule = (r: RouteRule) =>
  [
    r.family && !r['ip-from'] && !r['ip-to'] ? r.family : '',
    r.priority !== undefined && r.priority >= 0 ? `priority ${r.priority}` : '',
    `from ${r['ip-from'] ? prefixText(r['ip-from']) : 'all'}`,
    r['ip-to'] ? `to ${prefixText(r['ip-to'])}` : '',
    r.fwmark !== undefined ? `fwmark 0x${markValue(r.fwmark)!.toString(16)}${r.fwmask !== undefined ? `/0x${markValue(r.fwmask)!.toString(16)}` : ''}` : '',
    r.iif ? `iif ${r.iif}` : '',
    r.action ?? (r.state === 'absent' && r['route-table'] === undefined ? '' : `lookup ${r['route-table'] || MAIN_TABLE}`),
    r['suppress-prefix-length'] !== undefined ? `suppress_prefixlength ${r['suppress-prefix-length']}` : '',
  ].filter(Boolean).join(' ');

function compareRules(add: Add, desired: RouteRule[], actual: RouteRule[]) {
  for (const d of desired) {
    const path = `route-rules[${showRule(d)}]`;
    if (d.state === 'absent') add(path, 'route_rule', 'absent', rulesRemovedBy(d, desired, actual).length ? 'present' : 'absent');
    else add(path, 'route_rule', 'present', actual.some((a) => ruleMatches(d, a)) ? 'present' : 'absent');
  }
}

const sorted = (xs: readonly string[]) => [...new Set(xs)].sort();

/** Everything of this file's concern that the desired state names. */
export function compareRouting(add: Add, desired: NetworkState, actual: NetworkState, actualByName: ReadonlyMap<string, Interface>) {
  compareRoutes(add, desired.routes?.config ?? [], actual.routes?.config ?? []);
  compareRules(add, desired['route-rules']?.config ?? [], actual['route-rules']?.config ?? []);
  for (const d of desired.interfaces ?? []) {
    const fwd = d.ipv4?.forwarding;
    if (fwd === undefined || d.state === 'absent') continue;
    add(`interfaces[${d.name}].ipv4.forwarding`, 'ipv4_forwarding', fwd, actualByName.get(d.name)?.ipv4?.forwarding ?? false);
  }
  const dns = desired['dns-resolver']?.config;
  const adns = actual['dns-resolver']?.config;
  if (dns?.options) add('dns-resolver.config.options', 'dns_options', sorted(dns.options), sorted(adns?.options ?? []));
  if (dns && !Object.keys(dns).length) {
    // nmstate's `config: {}`: no static DNS at all
    add('dns-resolver.config.server', 'dns', [], adns?.server ?? []);
    add('dns-resolver.config.search', 'dns_search', [], adns?.search ?? []);
    add('dns-resolver.config.options', 'dns_options', [], adns?.options ?? []);
  }
  const h = desired.hostname;
  if (h?.running !== undefined) add('hostname.running', 'hostname', h.running, actual.hostname?.running);
  if (h?.config !== undefined) add('hostname.config', 'hostname_config', h.config, actual.hostname?.config ?? '');
}
