import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Interface, NetworkState } from '@fleetnet/contracts';
import type { PlanContext } from '../src/backend.ts';
import { planLinux } from '../src/linux/plan/index.ts';
import { parseLinuxState } from '../src/linux/parse.ts';

// vrf and ipvlan in the planner and the reader; the kernel side runs in test/vm/links.test.ts.
const ctx = (): PlanContext => ({ created: new Set() });
const lines = (desired: NetworkState, actual: NetworkState) => {
  const p = planLinux(desired, actual, ctx());
  assert.equal(p.errors, [], JSON.stringify(p.errors));
  return p.operations.map((o) => `${o.stage}: ${o.backend === 'linux' ? o.line : o.description}`);
};
const eth = (name: string, extra: Partial<Interface> = {}): Interface => ({ name, type: 'ethernet', state: 'up', mtu: 1500, ...extra });

test('a vrf is created with its table, then its port joins it (no need to be down first)', () => {
  const out = lines({ interfaces: [{ name: 'vrf-a', type: 'vrf', vrf: { port: ['eth2'], 'route-table-id': 100 } }] }, { interfaces: [eth('eth2')] });
  assert.equal(out, ['linux-create: link add vrf-a type vrf table 100', 'linux-configure: link set eth2 master vrf-a', 'linux-configure: link set vrf-a up']);
});

test('a vrf whose table changes is re-created; a new vrf without its section is a plan error', () => {
  const actual: NetworkState = { interfaces: [{ name: 'vrf-a', type: 'vrf', state: 'up', vrf: { port: [], 'route-table-id': 100 } }] };
  const out = lines({ interfaces: [{ name: 'vrf-a', type: 'vrf', vrf: { 'route-table-id': 200 } }] }, actual);
  assert.equal(out.slice(0, 2), ['linux-remove: link del vrf-a', 'linux-create: link add vrf-a type vrf table 200']);
  const p = planLinux({ interfaces: [{ name: 'vrf-b', type: 'vrf' }] }, { interfaces: [] }, ctx());
  assert.ok(p.errors.some((e) => /vrf/.test(e.message)), JSON.stringify(p.errors));
});

test('an ipvlan is created on its base after it, with mode and flag; a changed flag re-creates it', () => {
  const want = (extra: object): NetworkState => ({ interfaces: [eth('eth1'), { name: 'ipv0', type: 'ipvlan', ipvlan: { 'base-iface': 'eth1', mode: 'l3', ...extra } }] });
  assert.equal(lines(want({ private: true }), { interfaces: [eth('eth1')] })[0], 'linux-create: link add ipv0 link eth1 type ipvlan mode l3 private');
  const actual: NetworkState = { interfaces: [eth('eth1'), { name: 'ipv0', type: 'ipvlan', state: 'up', ipvlan: { 'base-iface': 'eth1', mode: 'l3', private: true } }] };
  assert.equal(lines(want({ private: true }), actual), [], 'nothing to do when it matches');
  assert.equal(lines(want({ vepa: true }), actual).slice(0, 2), ['linux-remove: link del ipv0', 'linux-create: link add ipv0 link eth1 type ipvlan mode l3 vepa']);
});

test('the reader turns ip -d -j output into vrf (table, ports) and ipvlan (base, mode, flag)', () => {
  const state = parseLinuxState({
    links: [
      { ifindex: 2, ifname: 'eth1', flags: ['UP'], mtu: 1500, address: '52:54:00:00:00:01', link_type: 'ether', operstate: 'UP' },
      { ifindex: 3, ifname: 'vrf-a', flags: ['UP', 'MASTER'], mtu: 65575, address: '52:54:00:00:00:02', link_type: 'ether', linkinfo: { info_kind: 'vrf', info_data: { table: 100 } } },
      { ifindex: 4, ifname: 'd0', flags: ['UP'], mtu: 1500, master: 'vrf-a', address: '52:54:00:00:00:03', link_type: 'ether', linkinfo: { info_kind: 'dummy', info_slave_kind: 'vrf', info_slave_data: { table: 100 } } },
      { ifindex: 5, ifname: 'ipv0', link: 'eth1', flags: ['UP'], mtu: 1500, address: '52:54:00:00:00:01', link_type: 'ether', linkinfo: { info_kind: 'ipvlan', info_data: { mode: 'l2', flags: 'vepa' } } },
    ],
    addrs: [],
    routes4: [],
    routes6: [],
  } as never);
  const by = new Map(state.interfaces!.map((i) => [i.name, i]));
  assert.equal(by.get('vrf-a')!.vrf, { 'route-table-id': 100, port: ['d0'] });
  assert.is(by.get('vrf-a')!.type, 'vrf');
  assert.equal(by.get('ipv0')!.ipvlan, { 'base-iface': 'eth1', mode: 'l2', vepa: true });
});

test.run();
