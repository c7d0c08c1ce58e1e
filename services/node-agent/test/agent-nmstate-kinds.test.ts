/**
 * nmstate's interface kinds this kernel can do, applied in a network namespace and read back from
 * the kernel with `ip -d -j` by the test: linux-bridge options and port options, mac-vlan (and the
 * deprecated `macvlan` spelling), `state: down` on a virtual interface, `state: absent` on a link of a
 * type fleetnet cannot create, and an existing veth named without its `veth:` block.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NetworkState } from '@fleetnet/contracts';
import { createNetns, type Netns } from '../../../test/support/netns.ts';
import { agentIn, link, links, type TestAgent } from './helpers.ts';

let ns: Netns;
let t: TestAgent;

test.before(() => {
  ns = createNetns('nmk');
  t = agentIn(ns);
});
test.after(() => {
  t.cleanup();
  ns.remove();
});

const noProbe = { probes: { gateway: false } };

// nmstate's times are seconds; the kernel keeps hundredths (hello 3 s = 300).
const bridgeWithOptions = (hello: number, cost: number): NetworkState => ({
  interfaces: [
    { name: 'p0', type: 'veth', state: 'up', veth: { peer: 'p0x' } },
    {
      name: 'lbr0', type: 'linux-bridge', state: 'up',
      bridge: {
        options: {
          'group-forward-mask': 8,
          'mac-ageing-time': 600,
          'multicast-snooping': false,
          'hash-max': 8192,
          'group-addr': '01:80:C2:00:00:0A',
          'multicast-router': 2,
          'multicast-querier': true,
          'multicast-query-use-ifaddr': true,
          'multicast-last-member-count': 3,
          'multicast-startup-query-count': 4,
          'multicast-query-interval': 13000,
          'multicast-membership-interval': 27000,
          stp: { enabled: true, 'hello-time': hello, 'forward-delay': 16, 'max-age': 21, priority: 28672 },
        },
        port: [{ name: 'p0', 'stp-priority': 28, 'stp-path-cost': cost, 'stp-hairpin-mode': true }],
      },
    },
  ],
});

test('linux-bridge options and port options (nmstate names, seconds) set at creation and read back from the kernel', async () => {
  const r = await t.agent.apply(bridgeWithOptions(3, 150), noProbe);
  assert.is(r.phase, 'Applied', r.error?.message);
  assert.ok(r.comparison.inSync);
  const info = link(ns, 'lbr0').linkinfo.info_data;
  assert.equal(
    [info.stp_state, info.hello_time, info.forward_delay, info.max_age, info.priority, info.ageing_time, info.group_fwd_mask, info.mcast_snooping, info.mcast_hash_max],
    [1, 300, 1600, 2100, 28672, 60000, '0x8', 0, 8192],
  );
  assert.equal(
    [info.group_addr, info.mcast_router, info.mcast_querier, info.mcast_query_use_ifaddr, info.mcast_last_member_cnt, info.mcast_startup_query_cnt, info.mcast_query_intvl, info.mcast_membership_intvl],
    ['01:80:c2:00:00:0a', 2, 1, 1, 3, 4, 13000, 27000],
    'multicast options (intervals in hundredths, passed through as nmstate does)',
  );
  const port = link(ns, 'p0').linkinfo.info_slave_data;
  assert.equal([port.priority, port.cost, port.hairpin], [28, 150, true]);
  const names = r.comparison.results.map((x) => x.path);
  assert.ok(names.includes('interfaces[lbr0].bridge.options.stp.hello-time'), 'the named option is compared');
  assert.ok(names.includes('interfaces[lbr0].bridge.port[p0].stp-path-cost'), 'the named port option is compared');
});

test('changed bridge and port options are set in place: one line each, nothing re-created', async () => {
  const p = await t.agent.plan(bridgeWithOptions(4, 200));
  assert.equal(p.errors, []);
  assert.equal(p.operations.map((o) => o.description), [
    'ip link set lbr0 type bridge hello_time 400',
    'ip link set p0 type bridge_slave cost 200',
  ]);
  const r = await t.agent.apply(bridgeWithOptions(4, 200), noProbe);
  assert.is(r.phase, 'Applied', r.error?.message);
  assert.is(link(ns, 'lbr0').linkinfo.info_data.hello_time, 400);
  assert.is(link(ns, 'p0').linkinfo.info_slave_data.cost, 200);
});

test('a bridge option changed by hand is out of sync; options the state does not name are not compared', async () => {
  ns.exec('ip', ['link', 'set', 'lbr0', 'type', 'bridge', 'ageing_time', '1000', 'mcast_querier', '1']);
  const p = await t.agent.plan(bridgeWithOptions(4, 200));
  assert.equal(p.operations.map((o) => o.description), ['ip link set lbr0 type bridge ageing_time 60000']);
  const r = await t.agent.apply(bridgeWithOptions(4, 200), noProbe);
  assert.ok(r.comparison.inSync);
  assert.is(link(ns, 'lbr0').linkinfo.info_data.mcast_querier, 1, 'an option the state does not name is left as it is');
});

test('stp as a plain boolean and group-fwd-mask (nmstate\'s other spellings) mean the same', async () => {
  const p = await t.agent.plan({
    interfaces: [
      { name: 'p0', type: 'veth' },
      { name: 'lbr0', type: 'linux-bridge', bridge: { options: { stp: true, 'group-fwd-mask': 8 } } },
    ],
  });
  assert.equal(p.errors, []);
  assert.equal(p.operations, []);
});

test('description is the kernel\'s interface alias; copy-mac-from gives the bridge its port\'s MAC', async () => {
  const doc = bridgeWithOptions(4, 200);
  const br = doc.interfaces!.find((i) => i.name === 'lbr0')!;
  Object.assign(br, { description: 'uplink bridge: rack 7', 'copy-mac-from': 'p0' });
  const r = await t.agent.apply(doc, noProbe);
  assert.is(r.phase, 'Applied', r.error?.message);
  assert.ok(r.comparison.inSync, JSON.stringify(r.comparison.results.filter((x) => !x.inSync)));
  const l = link(ns, 'lbr0');
  assert.is(l.ifalias, 'uplink bridge: rack 7');
  assert.is(l.address, link(ns, 'p0').address);
  assert.ok(r.comparison.results.some((x) => x.path === 'interfaces[lbr0].description' && x.inSync));
});

// fleetnet removes what it created once no document names it: every document keeps the bridge.
const keep = () => bridgeWithOptions(4, 200).interfaces!;
const base = { name: 'mvb0', type: 'veth', state: 'up', veth: { peer: 'mvb0x' } } as const;

test('mac-vlan passthru with promiscuous: false is created with nopromisc; the old macvlan spelling is the same interface', async () => {
  const doc: NetworkState = {
    interfaces: [
      ...keep(),
      base,
      { name: 'mv0', type: 'mac-vlan', state: 'up', 'mac-vlan': { 'base-iface': 'mvb0', mode: 'passthru', promiscuous: false } },
    ],
  };
  const r = await t.agent.apply(doc, noProbe);
  assert.is(r.phase, 'Applied', r.error?.message);
  assert.ok(r.comparison.inSync);
  const mv = link(ns, 'mv0');
  assert.is(mv.linkinfo.info_kind, 'macvlan');
  assert.is(mv.linkinfo.info_data.mode, 'passthru');
  assert.is(mv.linkinfo.info_data.nopromisc, true);
  assert.is(mv.link, 'mvb0');
  const read = await t.agent.read();
  assert.equal(read.interfaces?.find((i) => i.name === 'mv0')?.type, 'mac-vlan', 'reported under nmstate\'s name');
  const old = await t.agent.plan({ interfaces: [...keep(), base, { name: 'mv0', type: 'macvlan', macvlan: { 'base-iface': 'mvb0', mode: 'passthru', promiscuous: false } }] });
  assert.equal(old.errors, []);
  assert.equal(old.operations, [], 'the deprecated spelling describes the same link');
});

test('state: down on a virtual interface removes it (nmstate); on a veth named without a veth block it is only set down', async () => {
  const r = await t.agent.apply({
    interfaces: [
      ...keep(),
      base,
      { name: 'mv0', type: 'mac-vlan', state: 'down' },
      { name: 'mvb0x', type: 'veth', mtu: 1400 },
    ],
  }, noProbe);
  assert.is(r.phase, 'Applied', r.error?.message);
  assert.ok(r.comparison.inSync, JSON.stringify(r.comparison.results.filter((x) => !x.inSync)));
  assert.not.ok(links(ns).includes('mv0'), 'mv0 is gone');
  assert.is(link(ns, 'mvb0x').mtu, 1400, 'an existing veth takes settings without its veth block');
});

test('state: absent removes a link of a type fleetnet cannot create (here a tap), by name', async () => {
  ns.exec('ip', ['tuntap', 'add', 'dev', 'tp0', 'mode', 'tap']);
  assert.ok(links(ns).includes('tp0'));
  const r = await t.agent.apply({ interfaces: [...keep(), base, { name: 'tp0', type: 'tun', state: 'absent' }] }, noProbe);
  assert.is(r.phase, 'Applied', r.error?.message);
  assert.not.ok(links(ns).includes('tp0'));
});

test('undo: the bridge and its port absent', async () => {
  const r = await t.agent.apply({
    interfaces: [
      { name: 'lbr0', type: 'linux-bridge', state: 'absent' },
      { name: 'p0', type: 'veth', state: 'absent' },
      { name: 'mvb0', type: 'veth', state: 'absent' },
    ],
  }, noProbe);
  assert.is(r.phase, 'Applied', r.error?.message);
  assert.ok(r.comparison.inSync);
  for (const n of ['lbr0', 'p0', 'p0x', 'mvb0', 'mvb0x']) assert.not.ok(links(ns).includes(n), `${n} removed`);
});

test.run();
