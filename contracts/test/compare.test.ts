/**
 * The rules of `compare(desired, actual)`: nmstate's (only what desired names, addresses as sets,
 * DNS servers in order, ...) and the property names oVirt's network attachments report.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compare, routeKey, routeMatches, type Comparison, type Interface, type NetworkState, type PropertyResult, type Route } from '../src/index.ts';

const one = (c: Comparison, path: string): PropertyResult => {
  const found = c.results.filter((r) => r.path === path);
  assert.is(found.length, 1, `expected exactly one result at ${path}, got ${found.length}: ${c.results.map((r) => r.path).join(', ')}`);
  return found[0]!;
};
const verdicts = (c: Comparison) => Object.fromEntries(c.results.map((r) => [r.path, r.inSync]));
const ifs = (...interfaces: Interface[]): NetworkState => ({ interfaces });
const v4 = (...a: [string, number][]) => ({ address: a.map(([ip, p]) => ({ ip, 'prefix-length': p })) });

const ETH0_ACTUAL: Interface = {
  name: 'eth0', type: 'ethernet', state: 'up', mtu: 1500, 'mac-address': '02:00:00:00:00:01',
  ipv4: { enabled: true, ...v4(['10.0.0.5', 24], ['10.0.1.5', 24]) },
  ipv6: { enabled: true, address: [{ ip: '2001:db8::5', 'prefix-length': 64 }, { ip: 'fe80::1', 'prefix-length': 64 }] },
};

// ---- only what desired names ---------------------------------------------------------------------
test('only the properties desired names are compared; other interfaces and fields are ignored', () => {
  const actual: NetworkState = { interfaces: [ETH0_ACTUAL, { name: 'eth9', type: 'ethernet', state: 'down', mtu: 9000 }], 'dns-resolver': { config: { server: ['1.1.1.1'] } } };
  const c = compare(ifs({ name: 'eth0', mtu: 1500 }), actual);
  assert.equal(c.results, [{ path: 'interfaces[eth0].mtu', property: 'mtu', expected: 1500, actual: 1500, inSync: true }]);
  assert.is(c.inSync, true);
});

test('an empty desired state is in sync with anything and reports nothing', () => {
  const c = compare({}, { interfaces: [ETH0_ACTUAL] });
  assert.equal(c, { inSync: true, results: [] });
});

// ---- MTU, state, type, MAC ---------------------------------------------------------------------
test('mtu: a different value is out of sync and shows both values', () => {
  const c = compare(ifs({ name: 'eth0', mtu: 9000 }), ifs(ETH0_ACTUAL));
  assert.equal(one(c, 'interfaces[eth0].mtu'), { path: 'interfaces[eth0].mtu', property: 'mtu', expected: 9000, actual: 1500, inSync: false });
  assert.is(c.inSync, false);
});

test('mtu: not reported by the host is out of sync with actual null', () => {
  const c = compare(ifs({ name: 'eth0', mtu: 1500 }), ifs({ name: 'eth0' }));
  assert.equal(one(c, 'interfaces[eth0].mtu'), { path: 'interfaces[eth0].mtu', property: 'mtu', expected: 1500, actual: null, inSync: false });
});

test('state: up against down is out of sync, up against up in sync', () => {
  assert.equal(verdicts(compare(ifs({ name: 'eth0', state: 'up' }), ifs({ ...ETH0_ACTUAL, state: 'down' }))), { 'interfaces[eth0].state': false });
  assert.equal(verdicts(compare(ifs({ name: 'eth0', state: 'up' }), ifs(ETH0_ACTUAL))), { 'interfaces[eth0].state': true });
});

test('type and mac-address (case-insensitive)', () => {
  const c = compare(ifs({ name: 'eth0', type: 'ethernet', 'mac-address': '02:00:00:00:00:01'.toUpperCase() }), ifs(ETH0_ACTUAL));
  assert.equal(verdicts(c), { 'interfaces[eth0].type': true, 'interfaces[eth0].mac-address': true });
  const wrong = compare(ifs({ name: 'eth0', type: 'veth', 'mac-address': '02:00:00:00:00:02' }), ifs(ETH0_ACTUAL));
  assert.equal(verdicts(wrong), { 'interfaces[eth0].type': false, 'interfaces[eth0].mac-address': false });
});

// ---- absent and missing interfaces -------------------------------------------------------------
test('absent interface: in sync when the host does not have it, out of sync when it does', () => {
  const desired = ifs({ name: 'eth0', state: 'absent', mtu: 9000 });
  const gone = compare(desired, ifs({ name: 'eth1' }));
  assert.equal(gone.results, [{ path: 'interfaces[eth0]', property: 'present', expected: false, actual: false, inSync: true }]);
  assert.is(gone.inSync, true);
  const still = compare(desired, ifs(ETH0_ACTUAL));
  // Nothing else of an absent interface is compared, not even the mtu it names.
  assert.equal(still.results, [{ path: 'interfaces[eth0]', property: 'present', expected: false, actual: true, inSync: false }]);
  assert.is(still.inSync, false);
});

test('missing interface: one "present" result, no per-property noise', () => {
  const c = compare(ifs({ name: 'br0', type: 'linux-bridge', mtu: 1500, ipv4: v4(['10.0.0.1', 24]) }), ifs(ETH0_ACTUAL));
  assert.equal(c.results, [{ path: 'interfaces[br0]', property: 'present', expected: true, actual: false, inSync: false }]);
  assert.is(c.inSync, false);
});

// ---- addresses ---------------------------------------------------------------------------------
test('addresses are a set: order does not matter', () => {
  const c = compare(ifs({ name: 'eth0', ipv4: v4(['10.0.1.5', 24], ['10.0.0.5', 24]) }), ifs(ETH0_ACTUAL));
  assert.equal(one(c, 'interfaces[eth0].ipv4.address'), {
    path: 'interfaces[eth0].ipv4.address', property: 'ipv4_address', expected: ['10.0.0.5', '10.0.1.5'], actual: ['10.0.0.5', '10.0.1.5'], inSync: true,
  });
  assert.is(c.inSync, true);
});

test('addresses are a set: an extra address on the host is out of sync, so is a missing one', () => {
  const extra = compare(ifs({ name: 'eth0', ipv4: v4(['10.0.0.5', 24]) }), ifs(ETH0_ACTUAL));
  assert.is(one(extra, 'interfaces[eth0].ipv4.address').inSync, false);
  assert.equal(one(extra, 'interfaces[eth0].ipv4.address').actual, ['10.0.0.5', '10.0.1.5']);
  const missing = compare(ifs({ name: 'eth0', ipv4: v4(['10.0.0.5', 24], ['10.0.1.5', 24], ['10.0.2.5', 24]) }), ifs(ETH0_ACTUAL));
  assert.is(one(missing, 'interfaces[eth0].ipv4.address').inSync, false);
  assert.is(missing.inSync, false);
});

test('IPv6 addresses are compared in canonical form', () => {
  const c = compare(ifs({ name: 'eth0', ipv6: { address: [{ ip: '2001:DB8:0:0::5', 'prefix-length': 64 }] } }), ifs(ETH0_ACTUAL));
  assert.equal(one(c, 'interfaces[eth0].ipv6.address'), {
    path: 'interfaces[eth0].ipv6.address', property: 'ipv6_address', expected: ['2001:db8::5'], actual: ['2001:db8::5'], inSync: true,
  });
  assert.is(one(c, 'interfaces[eth0].ipv6.prefix-length').inSync, true);
});

test('link-local addresses are ignored unless desired names one', () => {
  // ETH0_ACTUAL carries fe80::1 besides 2001:db8::5.
  const ignored = compare(ifs({ name: 'eth0', ipv6: { address: [{ ip: '2001:db8::5', 'prefix-length': 64 }] } }), ifs(ETH0_ACTUAL));
  assert.is(one(ignored, 'interfaces[eth0].ipv6.address').inSync, true);
  const named = compare(ifs({ name: 'eth0', ipv6: { address: [{ ip: 'fe80::2', 'prefix-length': 64 }, { ip: '2001:db8::5', 'prefix-length': 64 }] } }), ifs(ETH0_ACTUAL));
  assert.equal(one(named, 'interfaces[eth0].ipv6.address').expected, ['2001:db8::5', 'fe80::2']);
  assert.equal(one(named, 'interfaces[eth0].ipv6.address').actual, ['2001:db8::5', 'fe80::1']);
  assert.is(one(named, 'interfaces[eth0].ipv6.address').inSync, false);
});

test('the same address with another prefix: address in sync, ipv4_netmask out of sync (shown as a netmask)', () => {
  const c = compare(ifs({ name: 'eth0', ipv4: v4(['10.0.0.5', 16], ['10.0.1.5', 24]) }), ifs(ETH0_ACTUAL));
  assert.is(one(c, 'interfaces[eth0].ipv4.address').inSync, true);
  assert.equal(one(c, 'interfaces[eth0].ipv4.prefix-length'), {
    path: 'interfaces[eth0].ipv4.prefix-length', property: 'ipv4_netmask',
    expected: ['10.0.0.5/255.255.0.0', '10.0.1.5/255.255.255.0'], actual: ['10.0.0.5/255.255.255.0', '10.0.1.5/255.255.255.0'], inSync: false,
  });
  assert.is(c.inSync, false);
});

test('boot protocol: static, dhcp and none as oVirt names them', () => {
  const static4 = compare(ifs({ name: 'eth0', ipv4: v4(['10.0.0.5', 24], ['10.0.1.5', 24]) }), ifs(ETH0_ACTUAL));
  assert.equal(one(static4, 'interfaces[eth0].ipv4.boot-protocol'), {
    path: 'interfaces[eth0].ipv4.boot-protocol', property: 'ipv4_boot_protocol', expected: 'static', actual: 'static', inSync: true,
  });
  const dhcp = compare(ifs({ name: 'eth0', ipv4: { dhcp: true } }), ifs(ETH0_ACTUAL));
  assert.equal(one(dhcp, 'interfaces[eth0].ipv4.boot-protocol').expected, 'dhcp');
  assert.equal(one(dhcp, 'interfaces[eth0].ipv4.boot-protocol').actual, 'static');
  assert.is(dhcp.inSync, false);
  // Only a link-local address left: that is no configured address at all.
  const none = compare(ifs({ name: 'eth0', ipv6: { address: [] } }), ifs({ name: 'eth0', ipv6: { address: [{ ip: 'fe80::1', 'prefix-length': 64 }] } }));
  assert.equal(verdicts(none), { 'interfaces[eth0].ipv6.boot-protocol': true, 'interfaces[eth0].ipv6.address': true });
  assert.is(one(none, 'interfaces[eth0].ipv6.boot-protocol').actual, 'none');
});

test('ipv4 enabled: false against an interface with addresses is out of sync', () => {
  const c = compare(ifs({ name: 'eth0', ipv4: { enabled: false } }), ifs({ name: 'eth0', ipv4: v4(['10.0.0.5', 24]) }));
  assert.equal(c.results, [{ path: 'interfaces[eth0].ipv4.enabled', property: 'ipv4_enabled', expected: false, actual: true, inSync: false }]);
});

// ---- bonds -------------------------------------------------------------------------------------
const BOND: Interface = { name: 'bond0', type: 'bond', state: 'up', 'link-aggregation': { mode: 'active-backup', port: ['eth1', 'eth2'], options: { miimon: 100 } } };

test('bond: mode and ports (a set) in sync regardless of port order; options compared as text', () => {
  const c = compare(ifs({ name: 'bond0', type: 'bond', 'link-aggregation': { mode: 'active-backup', port: ['eth2', 'eth1'], options: { miimon: '100' } } }), ifs(BOND));
  assert.equal(verdicts(c), {
    'interfaces[bond0].type': true,
    'interfaces[bond0].link-aggregation.mode': true,
    'interfaces[bond0].link-aggregation.port': true,
    'interfaces[bond0].link-aggregation.options.miimon': true,
  });
  assert.equal(one(c, 'interfaces[bond0].link-aggregation.port').property, 'bond_ports');
  assert.is(c.inSync, true);
});

test('bond: another mode or a missing port is out of sync', () => {
  const c = compare(ifs({ name: 'bond0', 'link-aggregation': { mode: '802.3ad', port: ['eth1', 'eth2', 'eth3'] } }), ifs(BOND));
  assert.equal(one(c, 'interfaces[bond0].link-aggregation.mode'), {
    path: 'interfaces[bond0].link-aggregation.mode', property: 'bond_mode', expected: '802.3ad', actual: 'active-backup', inSync: false,
  });
  assert.equal(one(c, 'interfaces[bond0].link-aggregation.port'), {
    path: 'interfaces[bond0].link-aggregation.port', property: 'bond_ports', expected: ['eth1', 'eth2', 'eth3'], actual: ['eth1', 'eth2'], inSync: false,
  });
});

// ---- VLANs -------------------------------------------------------------------------------------
test('vlan: id (oVirt "vlan") and base interface', () => {
  const actual = ifs({ name: 'eth0.10', type: 'vlan', vlan: { 'base-iface': 'eth0', id: 10 } });
  const ok = compare(ifs({ name: 'eth0.10', vlan: { 'base-iface': 'eth0', id: 10 } }), actual);
  assert.equal(ok.results, [
    { path: 'interfaces[eth0.10].vlan.id', property: 'vlan', expected: 10, actual: 10, inSync: true },
    { path: 'interfaces[eth0.10].vlan.base-iface', property: 'vlan_base_iface', expected: 'eth0', actual: 'eth0', inSync: true },
  ]);
  const bad = compare(ifs({ name: 'eth0.10', vlan: { 'base-iface': 'eth1', id: 11 } }), actual);
  assert.equal(verdicts(bad), { 'interfaces[eth0.10].vlan.id': false, 'interfaces[eth0.10].vlan.base-iface': false });
});

// ---- bridges -----------------------------------------------------------------------------------
test('linux bridge: bridged, ports as a set, STP (unreported STP counts as off)', () => {
  const actual = ifs({ name: 'br0', type: 'linux-bridge', bridge: { port: [{ name: 'eth2' }, { name: 'eth1' }] } });
  const c = compare(ifs({ name: 'br0', type: 'linux-bridge', bridge: { options: { stp: { enabled: false } }, port: [{ name: 'eth1' }, { name: 'eth2' }] } }), actual);
  assert.equal(c.results, [
    { path: 'interfaces[br0].type', property: 'type', expected: 'linux-bridge', actual: 'linux-bridge', inSync: true },
    { path: 'interfaces[br0].bridged', property: 'bridged', expected: true, actual: true, inSync: true },
    { path: 'interfaces[br0].bridge.options.stp.enabled', property: 'stp', expected: false, actual: false, inSync: true },
    { path: 'interfaces[br0].bridge.port', property: 'bridge_ports', expected: ['eth1', 'eth2'], actual: ['eth1', 'eth2'], inSync: true },
  ]);
  const stpOn = compare(ifs({ name: 'br0', bridge: { options: { stp: { enabled: true } }, port: [{ name: 'eth1' }] } }), actual);
  assert.equal(verdicts(stpOn), { 'interfaces[br0].bridge.options.stp.enabled': false, 'interfaces[br0].bridge.port': false });
});

test('bridged is false when the interface is not a bridge on the host', () => {
  const c = compare(ifs({ name: 'br0', type: 'ovs-bridge' }), ifs({ name: 'br0', type: 'ethernet' }));
  assert.equal(one(c, 'interfaces[br0].bridged'), { path: 'interfaces[br0].bridged', property: 'bridged', expected: true, actual: false, inSync: false });
});

test('OVS bridge: port VLAN tags (trunk tags as a set) and bonds', () => {
  const actual = ifs({
    name: 'ovsbr0', type: 'ovs-bridge', bridge: {
      options: { datapath: 'netdev' },
      port: [
        { name: 'p1', vlan: { mode: 'access', tag: 10 } },
        { name: 'p2', vlan: { mode: 'trunk', 'trunk-tags': [{ id: 30 }, { id: 20 }] } },
        { name: 'bond1', 'link-aggregation': { mode: 'balance-slb', port: [{ name: 'eth4' }, { name: 'eth3' }] } },
      ],
    },
  });
  const desired = ifs({
    name: 'ovsbr0', type: 'ovs-bridge', bridge: {
      options: { datapath: 'netdev' },
      port: [
        { name: 'p1', vlan: { mode: 'access', tag: 10 } },
        { name: 'p2', vlan: { mode: 'trunk', 'trunk-tags': [{ id: 20 }, { id: 30 }] } },
        { name: 'bond1', 'link-aggregation': { mode: 'balance-slb', port: [{ name: 'eth3' }, { name: 'eth4' }] } },
      ],
    },
  });
  const c = compare(desired, actual);
  assert.equal(verdicts(c), {
    'interfaces[ovsbr0].type': true,
    'interfaces[ovsbr0].bridged': true,
    'interfaces[ovsbr0].bridge.options.datapath': true,
    'interfaces[ovsbr0].bridge.port': true,
    'interfaces[ovsbr0].bridge.port[p1].vlan': true,
    'interfaces[ovsbr0].bridge.port[p2].vlan': true,
    'interfaces[ovsbr0].bridge.port[bond1].link-aggregation.mode': true,
    'interfaces[ovsbr0].bridge.port[bond1].link-aggregation.port': true,
  });
  assert.equal(one(c, 'interfaces[ovsbr0].bridge.port[p2].vlan').expected, 'trunk::20,30');

  const drifted = structuredClone(actual);
  const ports = drifted.interfaces![0]!.bridge!.port!;
  ports[0]!.vlan = { mode: 'access', tag: 11 };
  ports[2]!['link-aggregation'] = { mode: 'active-backup', port: [{ name: 'eth3' }, { name: 'eth5' }] };
  delete ports[1]!.vlan;
  const d = compare(desired, drifted);
  assert.equal(one(d, 'interfaces[ovsbr0].bridge.port[p1].vlan'), {
    path: 'interfaces[ovsbr0].bridge.port[p1].vlan', property: 'port_vlan', expected: 'access:10', actual: 'access:11', inSync: false,
  });
  assert.equal(one(d, 'interfaces[ovsbr0].bridge.port[p2].vlan').actual, null);
  assert.is(one(d, 'interfaces[ovsbr0].bridge.port[bond1].link-aggregation.mode').inSync, false);
  assert.equal(one(d, 'interfaces[ovsbr0].bridge.port[bond1].link-aggregation.port').actual, ['eth3', 'eth5']);
  assert.is(d.inSync, false);
});

// ---- routes ------------------------------------------------------------------------------------
const ROUTES: Route[] = [
  { destination: '0.0.0.0/0', 'next-hop-address': '10.0.0.1', 'next-hop-interface': 'eth0', metric: 100 },
  { destination: '10.20.0.0/16', 'next-hop-address': '10.0.0.254', 'next-hop-interface': 'eth0', metric: 50 },
  { destination: '10.30.0.0/16', 'next-hop-interface': 'eth0', 'table-id': 100 },
  { destination: '::/0', 'next-hop-address': 'fe80::1', 'next-hop-interface': 'eth0' },
];
const withRoutes = (config: Route[]): NetworkState => ({ routes: { config } });
const actualRoutes = withRoutes(ROUTES);

test('route present: matched on destination, next hop, table and metric when named', () => {
  const c = compare(withRoutes([{ destination: '10.20.0.0/16', 'next-hop-address': '10.0.0.254' }]), actualRoutes);
  assert.equal(c.results, [{ path: 'routes[10.20.0.0/16 via 10.0.0.254]', property: 'route', expected: 'present', actual: 'present', inSync: true }]);
  const wrongMetric = compare(withRoutes([{ destination: '10.20.0.0/16', 'next-hop-address': '10.0.0.254', metric: 51 }]), actualRoutes);
  assert.equal(wrongMetric.results, [{ path: 'routes[10.20.0.0/16 via 10.0.0.254 metric 51]', property: 'route', expected: 'present', actual: 'absent', inSync: false }]);
  const wrongHop = compare(withRoutes([{ destination: '10.20.0.0/16', 'next-hop-address': '10.0.0.253' }]), actualRoutes);
  assert.is(wrongHop.inSync, false);
});

test('route table: a route in table 100 is not the same route in the main table', () => {
  const inMain = compare(withRoutes([{ destination: '10.30.0.0/16', 'next-hop-interface': 'eth0' }]), actualRoutes);
  assert.equal(inMain.results, [{ path: 'routes[10.30.0.0/16 dev eth0]', property: 'route', expected: 'present', actual: 'absent', inSync: false }]);
  const in100 = compare(withRoutes([{ destination: '10.30.0.0/16', 'next-hop-interface': 'eth0', 'table-id': 100 }]), actualRoutes);
  assert.equal(in100.results, [{ path: 'routes[10.30.0.0/16 dev eth0 table 100]', property: 'route', expected: 'present', actual: 'present', inSync: true }]);
});

test('route absent: in sync when no such route exists, out of sync when one does', () => {
  const gone = compare(withRoutes([{ destination: '10.40.0.0/16', state: 'absent' }]), actualRoutes);
  assert.equal(gone.results, [{ path: 'routes[10.40.0.0/16]', property: 'route', expected: 'absent', actual: 'absent', inSync: true }]);
  const still = compare(withRoutes([{ destination: '10.20.0.0/16', state: 'absent' }]), actualRoutes);
  assert.equal(still.results, [{ path: 'routes[10.20.0.0/16]', property: 'route', expected: 'absent', actual: 'present', inSync: false }]);
});

test('default route and gateway (oVirt "default_route" and "gateway"); "default" means 0.0.0.0/0', () => {
  const c = compare(withRoutes([{ destination: 'default', 'next-hop-address': '10.0.0.1' }]), actualRoutes);
  assert.equal(c.results, [
    { path: 'routes[0.0.0.0/0 via 10.0.0.1]', property: 'default_route', expected: 'present', actual: 'present', inSync: true },
    { path: 'routes[0.0.0.0/0 via 10.0.0.1].gateway', property: 'gateway', expected: '10.0.0.1', actual: '10.0.0.1', inSync: true },
  ]);
  const otherGw = compare(withRoutes([{ destination: '0.0.0.0/0', 'next-hop-address': '10.0.0.2' }]), actualRoutes);
  assert.equal(otherGw.results, [
    { path: 'routes[0.0.0.0/0 via 10.0.0.2]', property: 'default_route', expected: 'present', actual: 'absent', inSync: false },
    { path: 'routes[0.0.0.0/0 via 10.0.0.2].gateway', property: 'gateway', expected: '10.0.0.2', actual: '10.0.0.1', inSync: false },
  ]);
  const noDefault = compare(withRoutes([{ destination: '0.0.0.0/0', 'next-hop-address': '10.0.0.1' }]), withRoutes(ROUTES.slice(1)));
  assert.equal(one(noDefault, 'routes[0.0.0.0/0 via 10.0.0.1].gateway').actual, null);
});

test('IPv6 default route: gateway compared in canonical form, IPv4 default not mistaken for it', () => {
  const c = compare(withRoutes([{ destination: '::/0', 'next-hop-address': 'FE80:0::1' }]), actualRoutes);
  assert.equal(c.results, [
    { path: 'routes[::/0 via FE80:0::1]', property: 'default_route', expected: 'present', actual: 'present', inSync: true },
    { path: 'routes[::/0 via FE80:0::1].gateway', property: 'gateway', expected: 'fe80::1', actual: 'fe80::1', inSync: true },
  ]);
});

test('routeMatches and routeKey: only what desired names must match; the key ignores metric', () => {
  const actual = ROUTES[1]!;
  assert.ok(routeMatches({ destination: '10.20.0.0/16' }, actual));
  assert.ok(routeMatches({ destination: '10.20.0.0/16', metric: 50, 'next-hop-interface': 'eth0' }, actual));
  assert.not.ok(routeMatches({ destination: '10.20.0.0/16', 'next-hop-interface': 'eth1' }, actual));
  assert.not.ok(routeMatches({ destination: '10.20.0.0/16', 'table-id': 254 + 1 }, actual));
  assert.ok(routeMatches({ destination: '10.20.0.0/16', 'table-id': 254 }, actual), 'the main table is 254 whether named or not');
  assert.is(routeKey(actual), '10.20.0.0/16 10.0.0.254 eth0 254');
  assert.is(routeKey({ ...actual, metric: 7 }), routeKey(actual));
  assert.is(routeKey({ destination: 'default', 'next-hop-address': '2001:DB8::1' }), '0.0.0.0/0 2001:db8::1 - 254');
});

// ---- DNS ---------------------------------------------------------------------------------------
const dns = (server?: string[], search?: string[]): NetworkState => ({ 'dns-resolver': { config: { ...(server && { server }), ...(search && { search }) } } });

test('dns servers: same order in sync (IPv6 normalized); another order is out of sync', () => {
  const actual = dns(['10.0.0.53', '2001:db8::53'], ['example.com']);
  const same = compare(dns(['10.0.0.53', '2001:DB8:0::53']), actual);
  assert.equal(same.results, [{ path: 'dns-resolver.config.server', property: 'dns', expected: ['10.0.0.53', '2001:db8::53'], actual: ['10.0.0.53', '2001:db8::53'], inSync: true }]);
  const swapped = compare(dns(['2001:db8::53', '10.0.0.53']), actual);
  assert.equal(verdicts(swapped), { 'dns-resolver.config.server': false });
  assert.is(swapped.inSync, false);
  const fewer = compare(dns(['10.0.0.53']), actual);
  assert.is(fewer.inSync, false);
});

test('dns search list: compared in order; no servers named means servers are not compared', () => {
  const actual = dns(['10.0.0.53'], ['a.example.com', 'example.com']);
  assert.equal(compare(dns(undefined, ['a.example.com', 'example.com']), actual).results, [
    { path: 'dns-resolver.config.search', property: 'dns_search', expected: ['a.example.com', 'example.com'], actual: ['a.example.com', 'example.com'], inSync: true },
  ]);
  assert.equal(verdicts(compare(dns(undefined, ['example.com', 'a.example.com']), actual)), { 'dns-resolver.config.search': false });
  assert.equal(compare(dns(undefined, ['example.com']), {}).results[0]!.actual, []);
});

// ---- SR-IOV ------------------------------------------------------------------------------------
const PF: Interface = {
  name: 'ens1f0', type: 'ethernet', ethernet: {
    'sr-iov': {
      'total-vfs': 2,
      vfs: [
        { id: 0, 'mac-address': '02:00:00:00:01:00', 'vlan-id': 100, 'spoof-check': true, trust: false, 'fleetnet.io/driver': 'vfio-pci' },
        { id: 1, 'mac-address': '02:00:00:00:01:01', 'fleetnet.io/driver': 'vfio-pci' },
      ],
    },
  },
};

test('sr-iov: VF count, driver of every VF and per-VF settings', () => {
  const desired = ifs({
    name: 'ens1f0', type: 'ethernet', ethernet: {
      'sr-iov': { 'total-vfs': 2, 'fleetnet.io/vf-driver': 'vfio-pci', vfs: [{ id: 0, 'mac-address': '02:00:00:00:01:00'.toUpperCase(), 'vlan-id': 100, 'spoof-check': true, trust: false }] },
    },
  });
  const c = compare(desired, ifs(PF));
  assert.equal(verdicts(c), {
    'interfaces[ens1f0].type': true,
    'interfaces[ens1f0].ethernet.sr-iov.total-vfs': true,
    'interfaces[ens1f0].ethernet.sr-iov.fleetnet.io/vf-driver': true,
    'interfaces[ens1f0].ethernet.sr-iov.vfs[0].mac-address': true,
    'interfaces[ens1f0].ethernet.sr-iov.vfs[0].vlan-id': true,
    'interfaces[ens1f0].ethernet.sr-iov.vfs[0].spoof-check': true,
    'interfaces[ens1f0].ethernet.sr-iov.vfs[0].trust': true,
  });
  assert.equal(one(c, 'interfaces[ens1f0].ethernet.sr-iov.total-vfs').property, 'sriov_num_vfs');
  assert.equal(one(c, 'interfaces[ens1f0].ethernet.sr-iov.vfs[0].vlan-id').property, 'vf_vlan_id');
  assert.is(c.inSync, true);
});

test('sr-iov: other count, a VF on another driver, a changed VF setting, VFs off on the host', () => {
  const desired = ifs({ name: 'ens1f0', ethernet: { 'sr-iov': { 'total-vfs': 4, 'fleetnet.io/vf-driver': 'vfio-pci', vfs: [{ id: 1, trust: true }] } } });
  const mixed = structuredClone(PF);
  mixed.ethernet!['sr-iov']!.vfs![1]!['fleetnet.io/driver'] = 'iavf';
  const c = compare(desired, ifs(mixed));
  assert.equal(one(c, 'interfaces[ens1f0].ethernet.sr-iov.total-vfs'), {
    path: 'interfaces[ens1f0].ethernet.sr-iov.total-vfs', property: 'sriov_num_vfs', expected: 4, actual: 2, inSync: false,
  });
  assert.equal(one(c, 'interfaces[ens1f0].ethernet.sr-iov.fleetnet.io/vf-driver'), {
    path: 'interfaces[ens1f0].ethernet.sr-iov.fleetnet.io/vf-driver', property: 'sriov_vf_driver', expected: ['vfio-pci'], actual: ['iavf', 'vfio-pci'], inSync: false,
  });
  assert.equal(one(c, 'interfaces[ens1f0].ethernet.sr-iov.vfs[1].trust'), {
    path: 'interfaces[ens1f0].ethernet.sr-iov.vfs[1].trust', property: 'vf_trust', expected: true, actual: null, inSync: false,
  });
  const off = compare(ifs({ name: 'ens1f0', ethernet: { 'sr-iov': { 'total-vfs': 2 } } }), ifs({ name: 'ens1f0', type: 'ethernet' }));
  assert.equal(off.results, [{ path: 'interfaces[ens1f0].ethernet.sr-iov.total-vfs', property: 'sriov_num_vfs', expected: 2, actual: 0, inSync: false }]);
});

test('sr-iov: a VF with its own driver is judged by that entry, not by the PF-wide vf-driver', () => {
  const actual = structuredClone(PF);
  actual.ethernet!['sr-iov']!.vfs![1]!['fleetnet.io/driver'] = 'iavf';
  const desired = ifs({ name: 'ens1f0', ethernet: { 'sr-iov': { 'total-vfs': 2, 'fleetnet.io/vf-driver': 'vfio-pci', vfs: [{ id: 1, 'fleetnet.io/driver': 'iavf' }] } } });
  const c = compare(desired, ifs(actual));
  assert.equal(verdicts(c), {
    'interfaces[ens1f0].ethernet.sr-iov.total-vfs': true,
    'interfaces[ens1f0].ethernet.sr-iov.fleetnet.io/vf-driver': true,
    'interfaces[ens1f0].ethernet.sr-iov.vfs[1].fleetnet.io/driver': true,
  });
  actual.ethernet!['sr-iov']!.vfs![1]!['fleetnet.io/driver'] = 'vfio-pci';
  assert.equal(one(compare(desired, ifs(actual)), 'interfaces[ens1f0].ethernet.sr-iov.vfs[1].fleetnet.io/driver'), {
    path: 'interfaces[ens1f0].ethernet.sr-iov.vfs[1].fleetnet.io/driver', property: 'vf_fleetnet_io_driver', expected: 'iavf', actual: 'vfio-pci', inSync: false,
  });
});

// ---- the oVirt report, whole -------------------------------------------------------------------
test('a typical host: every oVirt property name appears, and one drift flips only its own verdict', () => {
  const desired: NetworkState = {
    interfaces: [
      { name: 'ovirtmgmt', type: 'linux-bridge', state: 'up', mtu: 1500, ipv4: { dhcp: false, ...v4(['192.0.2.10', 24]) }, bridge: { port: [{ name: 'eth0.20' }] } },
      { name: 'eth0.20', type: 'vlan', state: 'up', vlan: { 'base-iface': 'eth0', id: 20 } },
    ],
    routes: { config: [{ destination: '0.0.0.0/0', 'next-hop-address': '192.0.2.1', 'next-hop-interface': 'ovirtmgmt' }] },
    'dns-resolver': { config: { server: ['192.0.2.53'] } },
  };
  const actual: NetworkState = structuredClone(desired);
  const c = compare(desired, actual);
  const names = new Set(c.results.map((r) => r.property));
  for (const p of ['mtu', 'bridged', 'vlan', 'ipv4_boot_protocol', 'ipv4_address', 'ipv4_netmask', 'gateway', 'dns', 'default_route']) {
    assert.ok(names.has(p), `property ${p} is reported`);
  }
  assert.ok(c.results.every((r) => r.inSync), 'identical states are in sync property by property');
  assert.is(c.inSync, true);

  actual.interfaces![0]!.mtu = 9000;
  const drifted = compare(desired, actual);
  assert.is(drifted.inSync, false);
  assert.equal(drifted.results.filter((r) => !r.inSync).map((r) => r.property), ['mtu']);
  assert.is(drifted.results.length, c.results.length);
});

test.run();
