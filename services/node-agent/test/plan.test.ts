import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Interface, NetworkState } from '@fleetnet/contracts';
import type { Backend, PlanContext } from '../src/backend.ts';
import { planLinux } from '../src/linux/plan/index.ts';
import { parseLinuxState } from '../src/linux/parse.ts';
import { mergeStates } from '../src/read.ts';
import { nextCreated, orderByStage, planAll, rollbackDesired, withCreatedRemovals } from '../src/plan.ts';

const ctx = (created: string[] = []): PlanContext => ({ created: new Set(created) });
const lines = (desired: NetworkState, actual: NetworkState, c = ctx()) => {
  const p = planLinux(desired, actual, c);
  assert.equal(p.errors, [], JSON.stringify(p.errors));
  return p.operations.map((o) => `${o.stage}: ${o.backend === 'linux' ? o.line : o.description}`);
};
const iface = (i: Interface) => i;
const veth = (name: string, peer: string, extra: Partial<Interface> = {}): Interface =>
  ({ name, type: 'veth', state: 'up', mtu: 1500, veth: { peer }, ipv4: { enabled: false, address: [] }, ipv6: { enabled: false, address: [] }, ...extra });

test('lower layers are created first: veths, then the bridge, then ports join, then addresses and routes', () => {
  const out = lines(
    {
      interfaces: [
        { name: 'br0', type: 'linux-bridge', bridge: { port: [{ name: 'v0' }] }, ipv4: { address: [{ ip: '10.0.0.1', 'prefix-length': 24 }] } },
        { name: 'mv0', type: 'macvlan', macvlan: { 'base-iface': 'br0', mode: 'bridge' } },
        { name: 'v0', type: 'veth', veth: { peer: 'v0p' } },
      ],
      routes: { config: [{ destination: '10.9.0.0/16', 'next-hop-address': '10.0.0.254' }] },
    },
    { interfaces: [] },
  );
  const idx = (s: string) => out.findIndex((l) => l.includes(s));
  assert.ok(idx('link add v0 type veth') < idx('link add br0 type bridge'), out.join('\n'));
  assert.ok(idx('link add br0') < idx('link add mv0 link br0'));
  assert.ok(idx('link set v0 master br0') < idx('addr add 10.0.0.1/24 dev br0'));
  assert.ok(idx('addr add 10.0.0.1/24') < idx('route replace 10.9.0.0/16'));
  assert.is(out[out.length - 1], 'linux-configure: route replace 10.9.0.0/16 via 10.0.0.254');
  assert.ok(out.includes('linux-configure: link set v0p up'), 'the unnamed peer of a new veth is brought up');
});

test('upper layers are removed first; a veth pair is deleted once', () => {
  const actual: NetworkState = {
    interfaces: [
      veth('v0', 'v0p', { controller: 'br0' }),
      veth('v0p', 'v0'),
      { name: 'br0', type: 'linux-bridge', state: 'up', bridge: { port: [{ name: 'v0' }] } },
      { name: 'mv0', type: 'macvlan', state: 'up', macvlan: { 'base-iface': 'br0', mode: 'bridge' } },
    ],
  };
  const out = lines({ interfaces: ['v0', 'v0p', 'br0', 'mv0'].map((name) => iface({ name, state: 'absent' })) }, actual);
  assert.equal(out, ['linux-remove: link del mv0', 'linux-remove: link del br0', 'linux-remove: link del v0']);
});

test('only what differs: mtu and one address; unnamed interfaces untouched', () => {
  const actual: NetworkState = {
    interfaces: [
      veth('v0', 'v0p', { ipv4: { enabled: true, address: [{ ip: '10.0.0.1', 'prefix-length': 24 }] }, ipv6: { enabled: true, address: [{ ip: 'fe80::1', 'prefix-length': 64 }] } }),
      veth('v0p', 'v0'),
      veth('other0', 'other0p', { mtu: 9000 }),
    ],
  };
  const out = lines({ interfaces: [{ name: 'v0', mtu: 9000, ipv4: { address: [{ ip: '10.0.0.2', 'prefix-length': 24 }] }, ipv6: { address: [] } }] }, actual);
  assert.equal(out, [
    'linux-configure: link set v0 mtu 9000',
    'linux-configure: addr del 10.0.0.1/24 dev v0',
    'linux-configure: addr add 10.0.0.2/24 dev v0',
  ]);
  assert.equal(lines({ interfaces: [{ name: 'v0', mtu: 1500, ipv4: { address: [{ ip: '10.0.0.1', 'prefix-length': 24 }] } }] }, actual), [], 'in sync: empty plan');
});

test('deleting an address re-asserts the routes through that interface that stay reachable', () => {
  const actual: NetworkState = {
    interfaces: [veth('v0', 'v0p', { ipv4: { enabled: true, address: [{ ip: '10.0.0.1', 'prefix-length': 24 }] } })],
    routes: { config: [
      { destination: '10.9.0.0/16', 'next-hop-address': '10.0.0.254', 'next-hop-interface': 'v0', metric: 0, 'table-id': 254 },
      { destination: '10.8.0.0/16', 'next-hop-address': '10.0.0.253', 'next-hop-interface': 'v0', metric: 0, 'table-id': 254 },
    ] },
  };
  const out = lines({
    interfaces: [{ name: 'v0', ipv4: { address: [{ ip: '10.0.0.2', 'prefix-length': 24 }] } }],
    routes: { config: [{ destination: '10.8.0.0/16', 'next-hop-interface': 'v0', state: 'absent' }] },
  }, actual);
  assert.ok(out.includes('linux-configure: route replace 10.9.0.0/16 via 10.0.0.254 dev v0 metric 0'), out.join('\n'));
  assert.ok(out.includes('linux-configure: route del 10.8.0.0/16 via 10.0.0.253 dev v0 metric 0'));
  assert.not.ok(out.some((l) => l.includes('replace 10.8.0.0/16')), 'an absent route is not put back');
});

test('a changed vxlan id or macvlan mode re-creates the link (the kernel cannot change it in place)', () => {
  const actual: NetworkState = { interfaces: [{ name: 'vx0', type: 'vxlan', state: 'up', vxlan: { id: 1, 'destination-port': 4789 } }] };
  const out = lines({ interfaces: [{ name: 'vx0', type: 'vxlan', vxlan: { id: 2 } }] }, actual);
  assert.equal(out, ['linux-remove: link del vx0', 'linux-create: link add vx0 type vxlan id 2 dstport 4789', 'linux-configure: link set vx0 up']);
});

test('partial editing: created interfaces no longer named become absent; the peer of a named veth counts as named', () => {
  const actual: NetworkState = { interfaces: [veth('a0', 'a0p'), veth('a0p', 'a0'), veth('b0', 'b0p'), veth('b0p', 'b0'), veth('mine0', 'x')] };
  const desired: NetworkState = { interfaces: [{ name: 'a0', type: 'veth', veth: { peer: 'a0p' } }] };
  const d = withCreatedRemovals(desired, actual, new Set(['a0', 'a0p', 'b0', 'b0p', 'gone0']));
  assert.equal(d.interfaces!.slice(1), [{ name: 'b0', state: 'absent' }, { name: 'b0p', state: 'absent' }]);
  assert.equal(lines(d, actual), ['linux-remove: link del b0'], 'mine0 was not created by fleetnet: left alone');
});

test('nextCreated: adds what appeared and the state names, forgets what is gone, ignores side effects', () => {
  const s = (...names: string[]): NetworkState => ({ interfaces: names.map((name) => ({ name })) });
  const desired: NetworkState = { interfaces: [{ name: 'new0', type: 'veth', veth: { peer: 'new0p' } }] };
  assert.equal(nextCreated(new Set(['old0', 'gone0']), s('lo', 'old0', 'gone0'), s('lo', 'old0', 'new0', 'new0p', 'ovs-netdev'), desired), ['new0', 'new0p', 'old0']);
});

test('planner errors: missing lower layer, RA routes in another table, unknown interface without type', () => {
  const p = planLinux({
    interfaces: [
      { name: 'mv0', type: 'macvlan', macvlan: { 'base-iface': 'nope', mode: 'bridge' } },
      { name: 'e0', ipv6: { dhcp: true, autoconf: true, 'auto-route-table-id': 100 } },
      { name: 'ghost' , mtu: 1400 },
    ],
  }, { interfaces: [veth('e0', 'e0p')] }, ctx());
  assert.equal(p.errors.map((e) => e.path), ['interfaces[2]', 'interfaces[0].macvlan.base-iface', 'interfaces[1].ipv6.auto-route-table-id']);
});

test('kernel capability: creating an unsupported type is a plan error with the reason', () => {
  const p = planLinux({ interfaces: [{ name: 'bond0', type: 'bond', 'link-aggregation': { mode: 'active-backup' } }] }, { interfaces: [] },
    { created: new Set(), unsupportedTypes: { bond: 'the kernel cannot create bond links (Unknown device type)' } });
  assert.equal(p.errors, [{ path: 'interfaces[0].type', message: 'cannot create bond "bond0": the kernel cannot create bond links (Unknown device type)' }]);
});

test('rollbackDesired: restores changed, removes new, re-adds lost routes, deletes new routes', () => {
  const before: NetworkState = {
    interfaces: [veth('v0', 'v0p', { mtu: 1300, ipv6: { enabled: true, address: [{ ip: 'fe80::1', 'prefix-length': 64 }, { ip: '2001:db8::1', 'prefix-length': 64 }] } }), veth('v0p', 'v0'), veth('gone0', 'gone0p')],
    routes: { config: [{ destination: '10.9.0.0/16', 'next-hop-address': '10.0.0.254', 'next-hop-interface': 'v0', metric: 0, 'table-id': 254 }] },
  };
  const now: NetworkState = {
    interfaces: [veth('v0', 'v0p', { mtu: 9000 }), veth('v0p', 'v0'), veth('new0', 'new0p'), { name: 'tap9', type: 'tun' }],
    routes: { config: [{ destination: '10.7.0.0/16', 'next-hop-interface': 'v0', metric: 0, 'table-id': 254 }] },
  };
  const r = rollbackDesired(before, now);
  assert.equal(r.interfaces!.map((i) => `${i.name}:${i.state}`), ['v0:up', 'gone0:up', 'new0:absent']);
  assert.equal(r.interfaces![0]!.ipv6!.address, [{ ip: '2001:db8::1', 'prefix-length': 64 }], 'link-local left to the kernel');
  assert.equal(r.routes!.config!.map((x) => `${x.destination}:${x.state ?? 'present'}`), ['10.7.0.0/16:absent', '10.9.0.0/16:present']);
  assert.equal(rollbackDesired(before, before), { interfaces: [], routes: { config: [] } });
});

test('rollbackDesired: a lease comes back through its client (dhcp kept, leased addresses and routes never restored as static)', () => {
  const lease = { ip: '192.0.2.120', 'prefix-length': 24, 'fleetnet.io/dynamic': true as const };
  const dhcpRoute = { destination: '0.0.0.0/0', 'next-hop-address': '192.0.2.1', 'next-hop-interface': 'eth0', metric: 0, 'table-id': 254, 'fleetnet.io/dynamic': true as const };
  const before: NetworkState = {
    interfaces: [{ name: 'eth0', type: 'ethernet', state: 'up', ipv4: { enabled: true, dhcp: true, address: [lease] } }],
    routes: { config: [dhcpRoute] },
  };
  // after an apply that stopped the client and set a static address
  const now: NetworkState = {
    interfaces: [{ name: 'eth0', type: 'ethernet', state: 'up', ipv4: { enabled: true, dhcp: false, address: [{ ip: '198.51.100.7', 'prefix-length': 24 }] } }],
    routes: { config: [] },
  };
  const r = rollbackDesired(before, now);
  assert.equal(r.interfaces![0]!.ipv4, { dhcp: true, forwarding: false, address: [] });
  assert.equal(r.routes!.config, [], 'the lease\'s default route is its client\'s to put back');
  // the lease back: nothing left to do
  assert.equal(rollbackDesired(before, before), { interfaces: [], routes: { config: [] } });
});

test('planAll merges backends and orders by stage, keeping each backend\'s order within a stage', () => {
  const fake = (name: Backend['name'], ops: [string, string][]): Pick<Backend, 'name' | 'plan'> => ({
    name,
    plan: () => ({ operations: ops.map(([stage, d]) => ({ backend: 'dns', stage: stage as never, target: d, description: d, path: '/x', content: '' })), errors: [] }),
  });
  const p = planAll([
    fake('linux', [['linux-configure', 'l1'], ['linux-create', 'l0'], ['linux-configure', 'l2']]),
    fake('ovs', [['ovs', 'o1']]),
    fake('dns', [['dns', 'd1']]),
  ], {}, {}, ctx());
  assert.equal(p.operations.map((o) => o.description), ['l0', 'o1', 'l1', 'l2', 'd1']);
  assert.equal(orderByStage([]), []);
});

test('parse: ip -j output to the contracts schema (bridge, ports, vxlan lower device, routes of all tables)', () => {
  const s = parseLinuxState({
    links: [
      { ifname: 'lo', flags: ['LOOPBACK', 'UP'], mtu: 65536, link_type: 'loopback', address: '00:00:00:00:00:00' },
      { ifname: 'br0', flags: ['UP'], mtu: 9000, link_type: 'ether', address: 'AA:BB:CC:00:00:01', linkinfo: { info_kind: 'bridge', info_data: { stp_state: 1, vlan_filtering: 0 } } },
      { ifname: 'v0', link: 'v0p', master: 'br0', flags: [], mtu: 9000, link_type: 'ether', address: 'aa:bb:cc:00:00:02', linkinfo: { info_kind: 'veth', info_slave_kind: 'bridge' } },
      { ifname: 'vx0', flags: [], mtu: 1450, link_type: 'ether', address: 'aa:bb:cc:00:00:03', linkinfo: { info_kind: 'vxlan', info_data: { id: 5, link: 'v0', port: 4789, remote: '192.0.2.1' } } },
    ],
    addrs: [{ ifname: 'br0', addr_info: [{ family: 'inet', local: '10.0.0.1', prefixlen: 24 }, { family: 'inet6', local: '2001:DB8::1', prefixlen: 64 }] }],
    routes4: [
      { dst: 'default', gateway: '10.0.0.254', dev: 'br0' },
      { dst: '10.0.0.0/24', dev: 'br0', protocol: 'kernel' },
      { dst: '10.5.0.0/16', gateway: '10.0.0.253', dev: 'br0', table: '100', metric: 5 },
      { type: 'local', dst: '10.0.0.1', dev: 'br0', table: 'local' },
    ],
    routes6: [{ dst: 'fe80::/64', dev: 'br0', protocol: 'kernel', metric: 256 }],
  });
  const br = s.interfaces!.find((i) => i.name === 'br0')!;
  assert.is(br.type, 'linux-bridge');
  assert.equal(br.bridge, { options: { stp: { enabled: true }, 'vlan-filtering': false }, port: [{ name: 'v0' }] });
  assert.is(br['mac-address'], 'aa:bb:cc:00:00:01');
  assert.equal(br.ipv6!.address, [{ ip: '2001:db8::1', 'prefix-length': 64 }]);
  assert.is(s.interfaces!.find((i) => i.name === 'v0')!.controller, 'br0');
  assert.equal(s.interfaces!.find((i) => i.name === 'vx0')!.vxlan, { id: 5, remote: '192.0.2.1', 'base-iface': 'v0', 'destination-port': 4789 });
  assert.is(s.interfaces!.find((i) => i.name === 'lo')!.type, 'loopback');
  assert.equal(s.routes!.config, [
    { destination: '0.0.0.0/0', 'next-hop-address': '10.0.0.254', 'next-hop-interface': 'br0', metric: 0, 'table-id': 254 },
    { destination: '10.5.0.0/16', 'next-hop-address': '10.0.0.253', 'next-hop-interface': 'br0', metric: 5, 'table-id': 100 },
  ]);
});

test('merge: OVS overlays type and ports, the kernel keeps mtu/addresses; DNS and sysfs-only interfaces are added', () => {
  const m = mergeStates(
    { interfaces: [{ name: 'ovsbr', type: 'tun', mtu: 1500, state: 'up', ipv4: { enabled: true, address: [{ ip: '10.0.0.1', 'prefix-length': 24 }] } }] },
    [
      { interfaces: [{ name: 'ovsbr', type: 'ovs-bridge', bridge: { port: [{ name: 'p1' }] } }] },
      { interfaces: [{ name: 'pf0', type: 'ethernet', ethernet: { 'sr-iov': { 'total-vfs': 2 } } }] },
      { 'dns-resolver': { config: { server: ['10.0.0.53'] } } },
    ],
  );
  assert.equal(m.interfaces, [
    { name: 'ovsbr', type: 'ovs-bridge', mtu: 1500, state: 'up', ipv4: { enabled: true, address: [{ ip: '10.0.0.1', 'prefix-length': 24 }] }, bridge: { port: [{ name: 'p1' }] } },
    { name: 'pf0', type: 'ethernet', ethernet: { 'sr-iov': { 'total-vfs': 2 } } },
  ]);
  assert.equal(m['dns-resolver'], { config: { server: ['10.0.0.53'] } });
});

test.run();
