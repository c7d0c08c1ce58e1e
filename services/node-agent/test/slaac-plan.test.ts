import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Address, Interface, NetworkState } from '@fleetnet/contracts';
import { planSlaac } from '../src/host/slaac.ts';
import { parseIpv6Conf, withIpv6Auto } from '../src/linux/ipv6-auto.ts';
import { rollbackDesired } from '../src/plan.ts';

const GREP = `/proc/sys/net/ipv6/conf/all/accept_ra:1
/proc/sys/net/ipv6/conf/default/autoconf:1
/proc/sys/net/ipv6/conf/eth1/accept_ra:1
/proc/sys/net/ipv6/conf/eth1/accept_ra_defrtr:1
/proc/sys/net/ipv6/conf/eth1/accept_ra_rt_info_max_plen:0
/proc/sys/net/ipv6/conf/eth1/autoconf:1
/proc/sys/net/ipv6/conf/eth1/forwarding:0
/proc/sys/net/ipv6/conf/eth1.101/accept_ra:1
/proc/sys/net/ipv6/conf/eth1.101/autoconf:1
/proc/sys/net/ipv6/conf/eth1.101/forwarding:1
/proc/sys/net/ipv6/conf/eth2/accept_ra:2
/proc/sys/net/ipv6/conf/eth2/autoconf:1
/proc/sys/net/ipv6/conf/eth2/forwarding:1
/proc/sys/net/ipv6/conf/eth2/accept_ra_defrtr:0
/proc/sys/net/ipv6/conf/eth2/accept_ra_rt_info_max_plen:64
/proc/sys/net/ipv6/conf/eth3/accept_ra:0
/proc/sys/net/ipv6/conf/eth3/autoconf:1
/proc/sys/net/ipv6/conf/lo/accept_ra:1
/proc/sys/net/ipv6/conf/lo/autoconf:1
`;

const iface = (name: string, address: { ip: string; 'prefix-length': number; 'fleetnet.io/dynamic'?: true }[] = [], type: Interface['type'] = 'ethernet'): Interface =>
  ({ name, type, state: 'up', ipv6: { enabled: true, dhcp: false, address } });

test('parseIpv6Conf: per interface (dots kept), all/default left out', () => {
  const c = parseIpv6Conf(GREP);
  assert.equal([...c.keys()], ['eth1', 'eth1.101', 'eth2', 'eth3', 'lo']);
  assert.equal(c.get('eth1'), { accept_ra: 1, accept_ra_defrtr: 1, accept_ra_rt_info_max_plen: 0, autoconf: 1, forwarding: 0 });
});

test('withIpv6Auto: autoconf as the kernel does it (accept_ra 1 not while forwarding, 2 always), gateway/routes when on, dhcp from the agent\'s client or a dynamic /128; loopback untouched', () => {
  const state: NetworkState = {
    interfaces: [
      iface('eth1', [{ ip: '2001:db8:2::5', 'prefix-length': 64, 'fleetnet.io/dynamic': true }]),
      iface('eth1.101', [], 'vlan'),
      iface('eth2'),
      iface('eth3', [{ ip: '2001:db8:1::1a0', 'prefix-length': 128, 'fleetnet.io/dynamic': true }]),
      iface('lo', [], 'loopback'),
      iface('eth9'),
    ],
  };
  const out = withIpv6Auto(state, parseIpv6Conf(GREP), new Set(['eth2']));
  const v6 = (n: string) => out.interfaces!.find((i) => i.name === n)!.ipv6!;
  assert.equal([v6('eth1').autoconf, v6('eth1')['auto-gateway'], v6('eth1')['auto-routes'], v6('eth1').dhcp], [true, true, false, false], 'a SLAAC /64 is not DHCP');
  assert.equal(v6('eth1.101').autoconf, false, 'accept_ra 1 while forwarding: no RAs');
  assert.equal(v6('eth1.101')['auto-gateway'], undefined);
  assert.equal([v6('eth2').autoconf, v6('eth2')['auto-gateway'], v6('eth2')['auto-routes'], v6('eth2').dhcp], [true, false, true, true]);
  assert.equal([v6('eth3').autoconf, v6('eth3').dhcp], [false, true]);
  assert.equal(v6('lo').autoconf, undefined);
  assert.equal(v6('eth9').autoconf, undefined, 'no sysctls read: nothing said');
  assert.is(Object.keys(out.interfaces![0]!.ipv6!.address![0]!).join(), 'ip,prefix-length,fleetnet.io/dynamic', 'no lifetimes');
});

const actualWith = (ipv6: Record<string, unknown>, address: Address[] = []): NetworkState =>
  ({ interfaces: [{ name: 'eth1.5', type: 'vlan', state: 'up', ipv6: { enabled: true, address, ...ipv6 } }] });
const want = (ipv6: Record<string, unknown>): NetworkState => ({ interfaces: [{ name: 'eth1.5', ipv6: { enabled: true, ...ipv6 } }] });
const lines = (d: NetworkState, a: NetworkState) => planSlaac(d, a).map((o) => o.argv!.join(' '));

test('planSlaac: sysctls only where autoconf is named and the kernel differs; nmstate defaults (auto-gateway follows auto-routes)', () => {
  const defaults = { autoconf: true, 'auto-gateway': true, 'auto-routes': false };
  assert.equal(lines({ interfaces: [{ name: 'eth1.5', ipv6: { enabled: true } }] }, actualWith(defaults)), [], 'autoconf not named');
  assert.equal(lines(want({ autoconf: true }), actualWith(defaults)), [
    'sysctl -q -w net.ipv6.conf.eth1/5.accept_ra=2 net.ipv6.conf.eth1/5.autoconf=1 net.ipv6.conf.eth1/5.accept_ra_defrtr=1 net.ipv6.conf.eth1/5.accept_ra_rt_info_max_plen=64',
    // routes newly wanted: a router solicitation brings an advertisement now, not in minutes
    'rdisc6 -1 -q -r 2 -w 1000 eth1.5',
  ]);
  const solicit = planSlaac(want({ autoconf: true }), actualWith({ autoconf: false }));
  assert.equal(solicit.map((o) => [o.argv![0], o.bestEffort ?? false]), [['sysctl', false], ['rdisc6', true]], 'no router answering is no error');
  assert.equal(lines(want({ autoconf: true, 'auto-routes': false }), actualWith(defaults)), ['sysctl -q -w net.ipv6.conf.eth1/5.accept_ra=2 net.ipv6.conf.eth1/5.autoconf=1 net.ipv6.conf.eth1/5.accept_ra_defrtr=0 net.ipv6.conf.eth1/5.accept_ra_rt_info_max_plen=0', 'ip -6 route flush exact ::/0 dev eth1.5 proto ra'], 'the learnt default route goes');
  assert.equal(lines(want({ autoconf: true, 'auto-gateway': true, 'auto-routes': false }), actualWith(defaults)), [], 'the kernel defaults, as given');
  assert.equal(lines(want({ autoconf: true }), actualWith({ autoconf: true, 'auto-gateway': true, 'auto-routes': true })), []);
  assert.equal(lines(want({ autoconf: true, 'auto-routes': false }), actualWith({ autoconf: true, 'auto-gateway': true, 'auto-routes': true }))[1], 'ip -6 route flush dev eth1.5 proto ra');
  // off: SLAAC's addresses (dynamic, not a /128 lease, not link-local) and RA routes go
  const addrs: Address[] = [
    { ip: '2001:db8:2::5', 'prefix-length': 64, 'fleetnet.io/dynamic': true },
    { ip: '2001:db8:1::1a0', 'prefix-length': 128, 'fleetnet.io/dynamic': true },
    { ip: '2001:db8:9::1', 'prefix-length': 64 },
    { ip: 'fe80::1', 'prefix-length': 64 },
  ];
  assert.equal(lines(want({ autoconf: false }), actualWith(defaults, addrs)), [
    'sysctl -q -w net.ipv6.conf.eth1/5.accept_ra=0 net.ipv6.conf.eth1/5.autoconf=0',
    'ip -6 addr del 2001:db8:2::5/64 dev eth1.5',
    'ip -6 route flush dev eth1.5 proto ra',
  ]);
  assert.equal(lines(want({ autoconf: false }), actualWith({ autoconf: false }, addrs)), []);
  assert.equal(lines({ interfaces: [{ name: 'new0', type: 'dummy', ipv6: { autoconf: false } }] }, { interfaces: [] }).length, 1, 'a link created by this apply');
  const [op] = planSlaac(want({ autoconf: true }), actualWith(defaults));
  assert.equal([op!.stage, op!.target], ['linux-configure', 'slaac eth1.5']);
});

test('rollback: autoconf and its gateway/routes come back as read (also on a link that read enabled: false)', () => {
  const before: NetworkState = { interfaces: [{ name: 'eth1', type: 'ethernet', state: 'down', ipv6: { enabled: false, dhcp: false, address: [], autoconf: true, 'auto-gateway': true, 'auto-routes': false } }] };
  const now: NetworkState = { interfaces: [{ name: 'eth1', type: 'ethernet', state: 'down', ipv6: { enabled: false, dhcp: false, address: [], autoconf: false } }] };
  const target = rollbackDesired(before, now);
  assert.equal(target.interfaces![0]!.ipv6, { enabled: false, autoconf: true, 'auto-gateway': true, 'auto-routes': false, address: [] });
  assert.equal(lines(target, now), ['sysctl -q -w net.ipv6.conf.eth1.accept_ra=2 net.ipv6.conf.eth1.autoconf=1 net.ipv6.conf.eth1.accept_ra_defrtr=1 net.ipv6.conf.eth1.accept_ra_rt_info_max_plen=0', 'rdisc6 -1 -q -r 2 -w 1000 eth1']);
  assert.equal(rollbackDesired(before, before).interfaces, [], 'unchanged: nothing to restore');
});

test.run();
