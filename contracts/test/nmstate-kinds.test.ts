/**
 * nmstate's interface kinds in contracts: the refusals (each with its path and message), the one
 * spelling the agent plans with (canonical.ts), and the comparisons that read nmstate's way.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalState, compare, trunkRanges, validateNetworkState, type NetworkState } from '../src/index.ts';

const errors = (s: unknown) => {
  const v = validateNetworkState(s);
  return v.ok ? [] : v.errors.map((e) => [e.path, e.message]);
};
const one = (i: object) => ({ interfaces: [i] });
/** A message checked by its start (for lists that grow). */
const expect = { stringContaining: (prefix: string) => ({ prefix }) };

test('refusals: each names the field and says why', () => {
  const cases: [unknown, [string, string | { prefix: string }]][] = [
    [one({ name: 'hsr0', type: 'hsr', state: 'up' }), ['interfaces[0].type', 'not supported by fleetnet: HSR/PRP (a document may only remove such an interface, with state: absent)']],
    [one({ name: 'b0', type: 'bond', 'link-aggregation': { mode: 'active-backup', port: ['e1'], ports: ['e1'] } }), ['interfaces[0].link-aggregation.ports', 'give port or ports (the same list), not both']],
    [one({ name: 'b0', type: 'bond', 'link-aggregation': { mode: 'active-backup', port: ['e1'], 'ports-config': [{ name: 'e9', 'queue-id': 1 }] } }), ['interfaces[0].link-aggregation.ports-config[0].name', '"e9" is not a port of this bond']],
    [one({ name: 'b0', type: 'bond', 'link-aggregation': { mode: 'active-backup', port: ['e1', 'e2'], 'ports-config': [{ name: 'e1', 'queue-id': 3 }, { name: 'e2', 'queue-id': 3 }] } }), ['interfaces[0].link-aggregation.ports-config[1].queue-id', 'queue-id 3 is also given to ports-config[0]']],
    [one({ name: 'b0', type: 'bond', 'link-aggregation': { mode: 'active-backup', options: { miimon: 100, arp_interval: 100 } } }), ['interfaces[0].link-aggregation.options', 'miimon and arp_interval exclude each other: pick one link monitor']],
    [one({ name: 'b0', type: 'bond', 'link-aggregation': { mode: 'active-backup', options: { miimonn: 100 } } }), ['interfaces[0].link-aggregation.options.miimonn', expect.stringContaining('unknown bond option "miimonn" (nmstate\'s names: ad_actor_sys_prio,')]],
    [one({ name: 'br0', type: 'linux-bridge', bridge: { port: [{ name: 'e1', vlan: { mode: 'trunk', 'trunk-tags': [{ id: 5, 'id-range': { min: 6, max: 9 } }] } }] } }), ['interfaces[0].bridge.port[0].vlan.trunk-tags[0]', 'give exactly one of id and id-range']],
    [one({ name: 'br0', type: 'linux-bridge', bridge: { port: [{ name: 'e1', vlan: { mode: 'trunk', 'trunk-tags': [{ 'id-range': { min: 9, max: 6 } }] } }] } }), ['interfaces[0].bridge.port[0].vlan.trunk-tags[0].id-range', 'min 9 is above max 6']],
    [one({ name: 'br0', type: 'linux-bridge', bridge: { port: [{ name: 'e1', vlan: { mode: 'trunk', 'trunk-tags': [{ 'id-range': { min: 5, max: 9 } }, { id: 7 }] } }] } }), ['interfaces[0].bridge.port[0].vlan.trunk-tags[1]', 'overlaps trunk-tags[0]']],
    [one({ name: 'br0', type: 'linux-bridge', bridge: { port: [{ name: 'e1', vlan: { mode: 'access', tag: 5, 'enable-native': true } }] } }), ['interfaces[0].bridge.port[0].vlan.enable-native', 'enable-native is a trunk setting, not one of an access port']],
    [one({ name: 'br0', type: 'linux-bridge', bridge: { options: { 'group-forward-mask': 4 } } }), ['interfaces[0].bridge.options.group-forward-mask', 'the kernel never forwards 01:80:C2:00:00:00-02 (bits 0-2 must be 0)']],
    [one({ name: 'br0', type: 'linux-bridge', bridge: { options: { 'group-forward-mask': 8, 'group-fwd-mask': 16 } } }), ['interfaces[0].bridge.options.group-fwd-mask', 'group-fwd-mask and group-forward-mask are the same setting and disagree']],
    [one({ name: 'ob0', type: 'ovs-bridge', bridge: { options: { 'mac-ageing-time': 30 } } }), ['interfaces[0].bridge.options.mac-ageing-time', 'mac-ageing-time is a linux-bridge option']],
    [one({ name: 'br0', type: 'linux-bridge', bridge: { options: { 'fail-mode': 'secure' } } }), ['interfaces[0].bridge.options.fail-mode', 'fail-mode is an ovs-bridge option']],
    [one({ name: 'ob0', type: 'ovs-bridge', bridge: { options: { stp: { enabled: true, 'hello-time': 2 } } } }), ['interfaces[0].bridge.options.stp.hello-time', 'hello-time is a linux-bridge STP setting; an ovs-bridge takes stp enabled only']],
    [one({ name: 'ob0', type: 'ovs-bridge', bridge: { port: [{ name: 'e1', 'stp-path-cost': 10 }] } }), ['interfaces[0].bridge.port[0].stp-path-cost', 'stp-path-cost is a linux-bridge port option']],
    [one({ name: 'mv0', type: 'mac-vlan', 'mac-vlan': { 'base-iface': 'e1', mode: 'bridge', promiscuous: false } }), ['interfaces[0].mac-vlan.promiscuous', 'promiscuous: false exists only in passthru mode']],
    [one({ name: 'mv0', type: 'mac-vlan', 'mac-vlan': { 'base-iface': 'e1', mode: 'passthru', promiscuous: true, 'accept-all-mac': false } }), ['interfaces[0].mac-vlan.accept-all-mac', 'promiscuous and accept-all-mac are the same setting and disagree']],
    [one({ name: 'ms0', type: 'macsec', macsec: { 'base-iface': 'e1', encrypt: true, port: 1, validation: 'strict', 'send-sci': true, 'mka-cak': 'abc', 'mka-ckn': '01' } }), ['interfaces[0].macsec.mka-cak', 'is not valid: MKA CAK: 32 or 64 hex digits']],
    [one({ name: 'ms0', type: 'macsec', macsec: { 'base-iface': 'e1', encrypt: true, port: 1, validation: 'strict', 'send-sci': true, 'mka-cak': '0123456789abcdef0123456789abcdef' } }), ['interfaces[0].macsec.mka-ckn', 'is required with mka-cak (MKA needs both the CAK and its name, the CKN)']],
    [one({ name: 'ms0', type: 'macsec', macsec: { 'base-iface': 'e1', encrypt: true, port: 1, validation: 'strict', 'send-sci': true, 'mka-ckn': '01' } }), ['interfaces[0].macsec.mka-cak', 'is required with mka-ckn (MKA needs both the CAK and its name, the CKN)']],
    [one({ name: 'ms0', type: 'macsec', macsec: { encrypt: true, port: 1, validation: 'strict', 'send-sci': true } }), ['interfaces[0].macsec.base-iface', 'is required (or parent, its newer nmstate name)']],
    [one({ name: 'ms0', type: 'macsec', macsec: { 'base-iface': 'e1', parent: 'e2', encrypt: true, port: 1, validation: 'strict', 'send-sci': true } }), ['interfaces[0].macsec.parent', 'parent and base-iface are the same setting and disagree']],
    [one({ name: 'e1', type: 'ethernet', description: 'say "hi"' }), ['interfaces[0].description', 'the kernel keeps it as the interface alias: no double quotes, backslashes or line breaks']],
    [one({ name: 'e1', type: 'ethernet', 'copy-mac-from': 'e2' }), ['interfaces[0].copy-mac-from', '"copy-mac-from" is only valid for type bond or linux-bridge or ovs-interface, not ethernet']],
    [one({ name: 'br0', type: 'linux-bridge', bridge: { options: { 'vlan-default-pvid': 5 } } }), ['interfaces[0].bridge.options.vlan-default-pvid', 'not supported by fleetnet: linux-bridge tuning (vlan-default-pvid)']],
    [one({ name: 'ob0', type: 'ovs-bridge', bridge: { options: { 'multicast-querier': true } } }), ['interfaces[0].bridge.options.multicast-querier', 'multicast-querier is a linux-bridge option']],
    [one({ name: 'ob0', type: 'ovs-bridge', bridge: { port: [{ name: 'b', 'link-aggregation': { mode: 'active-backup', port: [{ name: 'x' }, { name: 'y' }], 'bond-updelay': 5 } }] } }), ['interfaces[0].bridge.port[0].link-aggregation.bond-updelay', 'not supported by fleetnet: OVS bond settings (bond-updelay)']],
    [one({ name: 'br0', type: 'linux-bridge', bridge: { options: { stp: { enabled: 'yes' } } } }), ['interfaces[0].bridge.options.stp.enabled', 'must be true or false, got the string "yes"']],
  ];
  for (const [doc, want] of cases) {
    const got = errors(doc);
    const [path, message] = want as [string, string | { prefix: string }];
    if (typeof message === 'string') assert.equal(got, [want], JSON.stringify(doc));
    else assert.ok(got.length === 1 && got[0]![0] === path && got[0]![1]!.startsWith(message.prefix), JSON.stringify(got));
  }
});

test('accepted: absent of any nmstate type, an existing veth without its block, down on a virtual interface without its section', () => {
  assert.equal(errors({ interfaces: [{ name: 'ib0.8001', type: 'infiniband', state: 'absent' }, { name: 'hsr0', type: 'hsr', state: 'absent' }] }), []);
  assert.equal(errors(one({ name: 'veth1', type: 'veth', mtu: 1400 })), []);
  assert.equal(errors(one({ name: 'eth1.5', type: 'vlan', state: 'down' })), []);
  assert.equal(errors(one({ name: 'mv0', type: 'macvlan', macvlan: { 'base-iface': 'e1', mode: 'bridge' } })), [], 'the deprecated spelling');
  assert.equal(errors(one({ name: 'ms0', type: 'macsec', macsec: { parent: 'e1', encrypt: true, port: 0, validation: 'strict', 'send-sci': true } })), [], "newer nmstate's parent");
});

test("one spelling: newer nmstate's macsec parent is base-iface (planned and compared as such)", () => {
  const ms = { encrypt: true, port: 0, validation: 'strict', 'send-sci': true } as const;
  const [m] = canonicalState({ interfaces: [{ name: 'ms0', type: 'macsec', macsec: { ...ms, parent: 'e1' } }] }).interfaces!;
  assert.equal(m!.macsec, { ...ms, 'base-iface': 'e1' });
  const c = compare({ interfaces: [{ name: 'ms0', type: 'macsec', macsec: { ...ms, parent: 'e1' } }] }, { interfaces: [{ name: 'ms0', type: 'macsec', macsec: { ...ms, port: 1, 'base-iface': 'e1' } }] });
  assert.ok(c.inSync, JSON.stringify(c.results.filter((x) => !x.inSync)));
  const other = compare({ interfaces: [{ name: 'ms0', type: 'macsec', macsec: { ...ms, parent: 'e2' } }] }, { interfaces: [{ name: 'ms0', type: 'macsec', macsec: { ...ms, port: 1, 'base-iface': 'e1' } }] });
  assert.equal(other.results.filter((x) => !x.inSync).map((x) => x.path), ['interfaces[ms0].macsec.base-iface']);
});

test('one spelling: ports, macvlan, stp: true, group-fwd-mask, accept-all-mac, implied VLAN filtering, down = absent for virtual types', () => {
  const doc: NetworkState = {
    interfaces: [
      { name: 'b0', type: 'bond', 'link-aggregation': { mode: 'balance-rr', ports: ['e1'] } },
      { name: 'mv0', type: 'macvlan', macvlan: { 'base-iface': 'e1', mode: 'passthru', 'accept-all-mac': false } },
      { name: 'br0', type: 'linux-bridge', bridge: { options: { stp: true, 'group-fwd-mask': 8 }, port: [{ name: 'e2', vlan: { mode: 'access', tag: 3 } }] } },
      { name: 'v5', type: 'vlan', state: 'down', vlan: { 'base-iface': 'e1', id: 5 } },
      { name: 'e3', type: 'ethernet', state: 'down' },
    ],
  };
  const [b0, mv0, br0, v5, e3] = canonicalState(doc).interfaces!;
  assert.equal(b0!['link-aggregation'], { mode: 'balance-rr', port: ['e1'] });
  assert.is(mv0!.type, 'mac-vlan');
  assert.equal(mv0!['mac-vlan'], { 'base-iface': 'e1', mode: 'passthru', promiscuous: false });
  assert.equal(br0!.bridge!.options, { 'vlan-filtering': true, stp: { enabled: true }, 'group-forward-mask': 8 });
  assert.equal(v5, { name: 'v5', type: 'vlan', state: 'absent' });
  assert.equal(e3, { name: 'e3', type: 'ethernet', state: 'down' }, 'a NIC that is down stays');
  const bond = canonicalState(one({ name: 'b1', type: 'bond', 'link-aggregation': { mode: 'balance-rr', options: { use_carrier: true, all_slaves_active: 'delivered', miimon: '140', ad_actor_system: '02:AB:00:00:00:01' } } }) as NetworkState);
  assert.equal(bond.interfaces![0]!['link-aggregation']!.options, { use_carrier: 1, all_slaves_active: 1, miimon: 140, ad_actor_system: '02:ab:00:00:00:01' }, 'bond option values as the kernel reports them');
});

test('compare: trunk ids as merged ranges, macsec port 0 is 1, ovs-db null means gone, only what is named', () => {
  assert.is(trunkRanges([{ id: 5 }, { 'id-range': { min: 6, max: 9 } }, { id: 20 }]), '5-9,20');
  const actual: NetworkState = {
    interfaces: [
      { name: 'ms0', type: 'macsec', macsec: { 'base-iface': 'e1', encrypt: true, port: 1, validation: 'strict', 'send-sci': true } },
      { name: 'br0', type: 'ovs-bridge', bridge: { options: { 'fail-mode': '' }, port: [{ name: 'p', vlan: { mode: 'trunk', 'trunk-tags': [{ 'id-range': { min: 5, max: 9 } }] } }] } },
    ],
    'ovs-db': { external_ids: { 'system-id': 'x' } },
  };
  const c = compare({
    interfaces: [
      { name: 'ms0', type: 'macsec', macsec: { 'base-iface': 'e1', encrypt: true, port: 0, validation: 'strict', 'send-sci': true, 'mka-cak': '0123456789abcdef0123456789abcdef' } },
      { name: 'br0', type: 'ovs-bridge', bridge: { options: { 'fail-mode': '', stp: false }, port: [{ name: 'p', vlan: { mode: 'trunk', 'trunk-tags': [{ id: 5 }, { 'id-range': { min: 6, max: 9 } }] } }] } },
    ],
    'ovs-db': { external_ids: { gone: null } },
  }, actual);
  assert.ok(c.inSync, JSON.stringify(c.results.filter((x) => !x.inSync)));
  assert.ok(c.results.some((x) => x.path === 'ovs-db.external_ids.gone'));
  assert.not.ok(c.results.some((x) => x.path.includes('system-id')), 'keys not named are not compared');
  assert.not.ok(c.results.some((x) => x.path.includes('mka-cak')), 'the CAK is never read back, so never compared');
});

test('compare: mka-ckn against what the running supplicant reports (none when it is not running), in any case', () => {
  const ms = { 'base-iface': 'e1', encrypt: true, port: 1, validation: 'strict', 'send-sci': true } as const;
  const want: NetworkState = { interfaces: [{ name: 'ms0', type: 'macsec', macsec: { ...ms, 'mka-cak': '0123456789abcdef0123456789abcdef', 'mka-ckn': 'AB01' } }] };
  const running = compare(want, { interfaces: [{ name: 'ms0', type: 'macsec', macsec: { ...ms, 'mka-ckn': 'ab01' } }] });
  assert.ok(running.inSync, JSON.stringify(running.results.filter((x) => !x.inSync)));
  const stopped = compare(want, { interfaces: [{ name: 'ms0', type: 'macsec', macsec: { ...ms } }] });
  assert.equal(stopped.results.filter((x) => !x.inSync).map((x) => x.path), ['interfaces[ms0].macsec.mka-ckn']);
});

test.run();
