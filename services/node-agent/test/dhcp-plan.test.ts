import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NetworkState } from '@fleetnet/contracts';
import { LEASE_LIMITS, parseLease, planDhcp, renderScript, renderScript6, settingsOf, settingsOf6 } from '../src/dhcp/index.ts';
import type { DhcpSettings } from '../src/dhcp/settings.ts';

const ON: DhcpSettings = { autoDns: true, autoGateway: true, autoRoutes: true, table: 0 };
const actual: NetworkState = { interfaces: [{ name: 'eth1', type: 'ethernet' }, { name: 'eth2', type: 'ethernet' }] };
const steps = (desired: NetworkState, running: Record<string, DhcpSettings> = {}) =>
  planDhcp(desired, actual, new Map(Object.entries(running)), '/tmp/resolv.conf').operations.map((o) => `${o.action} ${o.iface}`);

test("settingsOf: nmstate's defaults; auto-routes false means no gateway either; static DNS servers win over the lease's", () => {
  assert.equal(settingsOf({ dhcp: true }, false), ON);
  assert.equal(settingsOf({ dhcp: true, 'auto-routes': false }, false), { ...ON, autoGateway: false, autoRoutes: false });
  assert.equal(settingsOf({ dhcp: true, 'auto-gateway': false }, false), { ...ON, autoGateway: false });
  assert.equal(settingsOf({ dhcp: true, 'auto-dns': true }, true).autoDns, false);
  assert.equal(settingsOf({ dhcp: true, 'auto-route-table-id': 200, 'auto-route-metric': 50 }, false), { ...ON, table: 200, metric: 50 });
});

test('planDhcp: start, keep, restart on other settings, stop on dhcp false / disabled / static list / absent / down / gone; an ipv4 section naming none of these leaves it', () => {
  const dhcp = (name: string, extra = {}): NetworkState => ({ interfaces: [{ name, ipv4: { dhcp: true, ...extra } }] });
  assert.equal(steps(dhcp('eth1')), ['start eth1']);
  assert.equal(steps(dhcp('eth1'), { eth1: ON }), []);
  assert.equal(steps(dhcp('eth1', { 'auto-dns': false }), { eth1: ON }), ['stop eth1', 'start eth1']);
  assert.equal(steps(dhcp('eth1', { enabled: false })), [], 'disabled: nothing to start');
  assert.equal(steps({ interfaces: [{ name: 'eth1', ipv4: { dhcp: false } }] }, { eth1: ON }), ['stop eth1']);
  assert.equal(steps({ interfaces: [{ name: 'eth1', ipv4: { enabled: false } }] }, { eth1: ON }), ['stop eth1']);
  assert.equal(steps({ interfaces: [{ name: 'eth1', ipv4: { address: [{ ip: '192.0.2.1', 'prefix-length': 24 }] } }] }, { eth1: ON }), ['stop eth1']);
  assert.equal(steps({ interfaces: [{ name: 'eth1', state: 'absent' }] }, { eth1: ON }), ['stop eth1']);
  assert.equal(steps({ interfaces: [{ name: 'eth1', type: 'veth', state: 'down' }] }, { eth1: ON }), ['stop eth1']);
  assert.equal(steps({ interfaces: [{ name: 'eth1', ipv4: { forwarding: true } }] }, { eth1: ON }), []);
  assert.equal(steps({ interfaces: [] }, { eth1: ON, gone0: ON }), ['stop gone0'], 'an interface the kernel no longer has');
  const [op] = planDhcp(dhcp('eth1'), actual, new Map(), '/tmp/resolv.conf').operations;
  assert.is(op!.stage, 'dhcp');
  assert.is(op!.resolvConf, '/tmp/resolv.conf', 'auto-dns: the file goes into the checkpoint');
  assert.is(planDhcp(dhcp('eth1', { 'auto-dns': false }), actual, new Map(), '/r').operations[0]!.resolvConf, undefined);
});

test('renderScript: the lease address with its lifetime, routes only as allowed and tagged proto dhcp, never resolv.conf or the hostname', () => {
  const all = renderScript({ ...ON, table: 200, metric: 50 }, '/state/dhcp/eth1.lease');
  assert.match(all, /ip -4 addr replace "\$ip\/\$mask" dev "\$interface" valid_lft/);
  assert.match(all, /route replace default via "\$r" dev "\$interface" proto dhcp table 200 metric 50/);
  assert.match(all, /route replace "\$1" via "\$2" dev "\$interface" proto dhcp table 200 metric 50/);
  assert.not.match(all, /resolv|hostname/);
  const none = renderScript({ ...ON, autoGateway: false, autoRoutes: false }, "/st'ate/l");
  assert.not.match(none, /route replace/);
  assert.match(none, /LEASE='\/st'\\''ate\/l'/, 'the path is shell-quoted');
});

test('parseLease: the script\'s key=value lines; none without an address', () => {
  assert.equal(parseLease('ip=192.0.2.100\nmask=24\nrouter=192.0.2.1\ndns=192.0.2.53 192.0.2.54\ndomain=\nlease=120\nserverid=192.0.2.1\n'), {
    ip: '192.0.2.100', prefixLength: 24, routers: ['192.0.2.1'], dns: ['192.0.2.53', '192.0.2.54'], leaseSeconds: 120,
  });
  assert.is(parseLease('ip=\n'), undefined);
});

test('parseLease: what a hostile DHCP server sends is bounded — bad values left out, the first key counts, a huge file is no lease', () => {
  const many = Array.from({ length: 50 }, (_, i) => `192.0.2.${i + 1}`).join(' ');
  const l = parseLease(`ip=192.0.2.100\nmask=24\nrouter=not-an-ip 192.0.2.1\ndns=${many} ;rm\ndomain=ok.example bad;name x\`y a..b ${'a'.repeat(300)}.example two.example\nip=203.0.113.66\nlease=120\n`)!;
  assert.is(l.ip, '192.0.2.100', 'a later ip= line changes nothing');
  assert.equal(l.routers, ['192.0.2.1']);
  assert.is(l.dns.length, LEASE_LIMITS.maxServers);
  assert.is(l.domain, 'ok.example two.example');
  assert.is(parseLease('ip=999.1.1.1\nmask=24\n'), undefined, 'not an address');
  assert.is(parseLease('ip=192.0.2.100\nmask=40\n'), undefined, 'an IPv4 prefix over 32');
  assert.is(parseLease(`ip=192.0.2.100\nmask=24\ndns=${'1'.repeat(LEASE_LIMITS.maxBytes)}\n`), undefined, 'over the size bound');
  assert.equal(parseLease('ip=2001:db8:1::1a\nmask=128\ndns=2001:db8:1::53\n'), { ip: '2001:db8:1::1a', prefixLength: 128, routers: [], dns: ['2001:db8:1::53'] });
});

const ON6: DhcpSettings = { autoDns: true, autoGateway: false, autoRoutes: false, table: 0 };
const steps6 = (desired: NetworkState, running6: Record<string, DhcpSettings> = {}, running4: Record<string, DhcpSettings> = {}) =>
  planDhcp(desired, actual, new Map(Object.entries(running4)), '/tmp/resolv.conf', { running6: new Map(Object.entries(running6)) }).operations
    .map((o) => `${o.action} v${o.family ?? 4} ${o.iface}`);

test('settingsOf6: only auto-dns matters to the DHCPv6 client (routes come from RAs); autoconf too makes it "auto" (a SLAAC address will do)', () => {
  assert.equal(settingsOf6({ dhcp: true }, false), ON6);
  assert.equal(settingsOf6({ dhcp: true, 'auto-gateway': false, 'auto-routes': false, 'auto-route-table-id': 9 }, false), ON6);
  assert.equal(settingsOf6({ dhcp: true, 'auto-dns': false }, false).autoDns, false);
  assert.equal(settingsOf6({ dhcp: true }, true).autoDns, false, 'static servers win');
  assert.equal(settingsOf6({ dhcp: true, autoconf: true }, false), { ...ON6, slaac: true });
});

test('planDhcp (IPv6): start, keep, restart when autoconf comes, stop on dhcp false / static list / absent / gone; each family on its own', () => {
  const dhcp6 = (extra = {}): NetworkState => ({ interfaces: [{ name: 'eth1', ipv6: { dhcp: true, ...extra } }] });
  assert.equal(steps6(dhcp6()), ['start v6 eth1']);
  assert.equal(steps6(dhcp6(), { eth1: ON6 }), []);
  assert.equal(steps6(dhcp6({ autoconf: true }), { eth1: ON6 }), ['stop v6 eth1', 'start v6 eth1']);
  assert.equal(steps6({ interfaces: [{ name: 'eth1', ipv6: { dhcp: false } }] }, { eth1: ON6 }), ['stop v6 eth1']);
  assert.equal(steps6({ interfaces: [{ name: 'eth1', ipv6: { address: [{ ip: '2001:db8::1', 'prefix-length': 64 }] } }] }, { eth1: ON6 }), ['stop v6 eth1']);
  assert.equal(steps6({ interfaces: [{ name: 'eth1', state: 'absent' }] }, { eth1: ON6 }, { eth1: ON }), ['stop v4 eth1', 'stop v6 eth1']);
  assert.equal(steps6({ interfaces: [{ name: 'eth1', ipv4: { dhcp: true }, ipv6: { dhcp: true } }] }), ['start v4 eth1', 'start v6 eth1']);
  assert.equal(steps6({ interfaces: [{ name: 'eth1', ipv4: { dhcp: false } }] }, { eth1: ON6 }), [], 'the ipv4 section leaves DHCPv6 alone');
  assert.equal(steps6({ interfaces: [] }, { gone0: ON6 }), ['stop v6 gone0']);
  const [op] = planDhcp(dhcp6(), actual, new Map(), '/r', { timeoutMs: 7000 }).operations;
  assert.is(op!.family, 6);
  assert.is(op!.target, 'dhcp6 eth1');
  assert.is(op!.timeoutMs, 7000, "the policy's probe timeout travels with the start");
  assert.match(op!.description, /^start the DHCPv6 client on eth1/);
  assert.is(planDhcp(dhcp6(), actual, new Map(), '/r').operations[0]!.timeoutMs, undefined);
});

test('renderScript6: waits for the link-local address, sets the lease with its lifetimes, removes it on expiry/release/stop, never resolv.conf', () => {
  const s = renderScript6(ON6, "/st'ate/dhcp6/eth1.lease");
  assert.match(s, /PREINIT6\)[\s\S]*scope link tentative/);
  assert.match(s, /ip -6 addr replace "\$new_ip6_address\/\$new_ip6_prefixlen" dev "\$interface" valid_lft "\$\{new_max_life:-forever\}" preferred_lft/);
  assert.match(s, /EXPIRE6\|RELEASE6\|STOP6\)\n\s+\[ -n "\$old_ip6_address" \] && ip -6 addr del/);
  assert.match(s, /LEASE='\/st'\\''ate\/dhcp6\/eth1.lease'/);
  assert.not.match(s, /resolv|hostname|ip -6 route/);
});

test.run();
