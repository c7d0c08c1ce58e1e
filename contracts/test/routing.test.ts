import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  absentRouteMatches, absentRuleMatches, compare, routeMatches, routesRemovedBy, ruleMatches, rulesRemovedBy,
  type Route, type RouteRule,
} from '../src/index.ts';

const actual: Route[] = [
  { destination: '198.18.0.0/16', 'next-hop-address': '203.0.113.1', 'next-hop-interface': 'ens3', metric: 100, 'table-id': 254 },
  { destination: '198.19.0.0/16', 'next-hop-interface': 'ens3', metric: 0, 'table-id': 120, source: '203.0.113.10', cwnd: 20 },
  { destination: '198.20.0.0/16', 'next-hop-interface': 'ens4', metric: 0, 'table-id': 254 },
  { destination: '198.21.0.0/16', 'route-type': 'blackhole', metric: 0, 'table-id': 120 },
];

test('absent routes: nmstate\'s wildcard (only the keys given; any table when none; "" = no gateway)', () => {
  const hits = (d: Route) => actual.filter((a) => absentRouteMatches(d, a)).map((a) => a.destination);
  assert.equal(hits({ 'next-hop-interface': 'ens3', state: 'absent' }), ['198.18.0.0/16', '198.19.0.0/16']);
  assert.equal(hits({ 'table-id': 120, state: 'absent' }), ['198.19.0.0/16', '198.21.0.0/16']);
  assert.equal(hits({ 'route-type': 'blackhole', state: 'absent' }), ['198.21.0.0/16']);
  assert.equal(hits({ 'next-hop-interface': 'ens3', 'next-hop-address': '', state: 'absent' }), ['198.19.0.0/16']);
  assert.equal(hits({ destination: '198.18.0.0/16', metric: 5, state: 'absent' }), ['198.18.0.0/16'], 'the metric is never compared');
  // a route the same state wants is not removed by its wildcard
  const desired: Route[] = [{ 'next-hop-interface': 'ens3', state: 'absent' }, { destination: '198.18.0.0/16', 'next-hop-interface': 'ens3' }];
  assert.equal(routesRemovedBy(desired[0]!, desired, actual).map((a) => a.destination), ['198.19.0.0/16']);
});

test('present routes: source, cwnd and type must match when named', () => {
  assert.ok(routeMatches({ destination: '198.19.0.0/16', 'next-hop-interface': 'ens3', 'table-id': 120, cwnd: 20 }, actual[1]!));
  assert.not.ok(routeMatches({ destination: '198.19.0.0/16', 'next-hop-interface': 'ens3', 'table-id': 120, cwnd: 30 }, actual[1]!));
  assert.not.ok(routeMatches({ destination: '198.19.0.0/16', 'table-id': 120, source: '203.0.113.11', 'next-hop-interface': 'ens3' }, actual[1]!));
  assert.not.ok(routeMatches({ destination: '198.21.0.0/16', 'table-id': 120, 'route-type': 'unreachable' }, actual[3]!));
  assert.ok(routeMatches({ destination: '198.21.0.0/16', 'table-id': 120, 'route-type': 'blackhole' }, actual[3]!));
});

const rules: RouteRule[] = [
  { family: 'ipv4', priority: 500, 'ip-from': '203.0.113.0/24', 'route-table': 120, fwmark: 32, fwmask: 240 },
  { family: 'ipv6', priority: 30000, 'ip-from': '2001:db8:1::/64', 'route-table': 120 },
  { family: 'ipv4', priority: 501, iif: 'ens3', action: 'prohibit' },
];

test('rules: present entries match exactly on their selectors; absent entries are wildcards', () => {
  assert.ok(ruleMatches({ 'ip-from': '203.0.113.0/24', 'route-table': 120, fwmark: '0x20', fwmask: '0xf0' }, rules[0]!), 'no priority: any, hex marks');
  assert.not.ok(ruleMatches({ 'ip-from': '203.0.113.0/24', 'route-table': 120 }, rules[0]!), 'a mark the desired rule does not have');
  assert.ok(ruleMatches({ 'ip-from': '2001:db8:1::/64', 'route-table': 120 }, rules[1]!));
  assert.not.ok(ruleMatches({ 'ip-from': '2001:db8:1::/64' }, rules[1]!), 'no table: main');
  const hits = (d: RouteRule) => rules.filter((a) => absentRuleMatches(d, a)).map((a) => a.priority);
  assert.equal(hits({ 'route-table': 120, state: 'absent' }), [500, 30000]);
  assert.equal(hits({ family: 'ipv6', state: 'absent' }), [30000]);
  assert.equal(hits({ iif: 'ens3', state: 'absent' }), [501]);
  const desired: RouteRule[] = [{ 'route-table': 120, state: 'absent' }, { 'ip-from': '2001:db8:1::/64', 'route-table': 120 }];
  assert.equal(rulesRemovedBy(desired[0]!, desired, rules).map((a) => a.priority), [500]);
});

test('compare: rules, forwarding, dns options (a set), hostname; {} purges DNS', () => {
  const c = compare(
    {
      interfaces: [{ name: 'ens3', ipv4: { forwarding: true } }],
      'route-rules': { config: [{ 'ip-from': '203.0.113.0/24', 'route-table': 120, fwmark: 32, fwmask: 240 }, { 'route-table': 99, state: 'absent' }] },
      'dns-resolver': { config: { options: ['rotate', 'ndots:2'] } },
      hostname: { running: 'edge-17', config: '' },
    },
    {
      interfaces: [{ name: 'ens3', ipv4: { forwarding: true } }],
      'route-rules': { config: rules },
      'dns-resolver': { config: { server: [], search: [], options: ['ndots:2', 'rotate'] } },
      hostname: { running: 'edge-17', config: '' },
    },
  );
  assert.ok(c.inSync, JSON.stringify(c.results.filter((r) => !r.inSync)));
  assert.equal(c.results.map((r) => r.property).sort(), ['dns_options', 'hostname', 'hostname_config', 'ipv4_forwarding', 'route_rule', 'route_rule']);
  const purge = compare({ 'dns-resolver': { config: {} } }, { 'dns-resolver': { config: { server: ['192.0.2.53'], search: [], options: [] } } });
  assert.not.ok(purge.inSync);
  assert.equal(purge.results.filter((r) => !r.inSync).map((r) => r.path), ['dns-resolver.config.server']);
});

test.run();
