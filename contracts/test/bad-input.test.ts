/**
 * Bad inputs, each with the exact path and message a person gets back. A message that reads badly
 * here is fixed in the source, not in this file.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  EventTypes,
  InterfaceTypes,
  InvalidNameError,
  encodeEvent,
  formatSourceError,
  loadNetworkState,
  loadPolicies,
  makeEvent,
  nameProblem,
  parseEvent,
  subjects,
  validateNetworkState,
  validatePolicy,
  type Validated,
} from '../src/index.ts';

type Expected = [path: string, message: string][];

const errorsOf = (r: Validated<unknown>): Expected => (r.ok ? [] : r.errors.map((e) => [e.path, e.message]));

/** Each case is its own test so that one failure does not hide the others. */
function stateCase(name: string, value: unknown, expected: Expected) {
  test(`state: ${name}`, () => assert.equal(errorsOf(validateNetworkState(value)), expected));
}
function policyCase(name: string, value: unknown, expected: Expected) {
  test(`policy: ${name}`, () => assert.equal(errorsOf(validatePolicy(value)), expected));
}

const ifaces = (...list: unknown[]) => ({ interfaces: list });
const routes = (...config: unknown[]) => ({ routes: { config } });
const policy = (spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = { name: 'p1' }) => ({
  apiVersion: 'fleetnet.io/v1',
  kind: 'HostNetworkPolicy',
  metadata,
  spec: { desiredState: {}, ...spec },
});
const vlan = (name: string, base: string, id: unknown) => ({ name, type: 'vlan', vlan: { 'base-iface': base, id } });
const NAME_RULE = 'only letters, digits, "-" and "_" are allowed';

// ---- wrong types -------------------------------------------------------------------------------
stateCase('mtu as a string', ifaces({ name: 'eth0', mtu: '1500' }), [['interfaces[0].mtu', 'must be an integer, got the string "1500"']]);
stateCase('mtu as a fraction', ifaces({ name: 'eth0', mtu: 1500.5 }), [['interfaces[0].mtu', 'must be an integer, got number 1500.5']]);
stateCase('mtu 10 is below the IPv4 minimum', ifaces({ name: 'eth0', mtu: 10 }), [['interfaces[0].mtu', 'must be at least 68, got 10 (MTU in bytes, 68..65536 (the kernel allows 65536 on loopback))']]);
stateCase('ipv4.enabled as "yes"', ifaces({ name: 'eth0', ipv4: { enabled: 'yes' } }), [['interfaces[0].ipv4.enabled', 'must be true or false, got the string "yes"']]);
stateCase('stp.enabled as "yes"', ifaces({ name: 'br0', type: 'linux-bridge', bridge: { options: { stp: { enabled: 'yes' } } } }), [
  ['interfaces[0].bridge.options.stp.enabled', 'must be true or false, got the string "yes"'],
]);
stateCase('interfaces as a mapping', { interfaces: { name: 'eth0' } }, [['interfaces', 'must be a list, got a mapping']]);
stateCase('the document is a list', [], [['', 'must be a mapping, got a list']]);
stateCase('the document is null', null, [['', 'must be a mapping, got null']]);
stateCase('interface without a name', ifaces({ mtu: 1500 }), [['interfaces[0].name', 'is required']]);

// ---- VLANs -------------------------------------------------------------------------------------
stateCase('VLAN id 0', ifaces(vlan('v0', 'eth0', 0)), [['interfaces[0].vlan.id', 'must be at least 1, got 0 (802.1Q VLAN id 1..4094)']]);
stateCase('VLAN id 4095', ifaces(vlan('v4095', 'eth0', 4095)), [['interfaces[0].vlan.id', 'must be at most 4094, got 4095 (802.1Q VLAN id 1..4094)']]);
stateCase('VLAN id 5000', ifaces(vlan('v5000', 'eth0', 5000)), [['interfaces[0].vlan.id', 'must be at most 4094, got 5000 (802.1Q VLAN id 1..4094)']]);
stateCase('VLAN id as a string', ifaces(vlan('v10', 'eth0', '10')), [['interfaces[0].vlan.id', 'must be an integer, got the string "10"']]);
stateCase('vlan whose base is absent in the same document', ifaces({ name: 'eth1', state: 'absent' }, vlan('v10', 'eth1', 10)), [
  ['interfaces[1].vlan.base-iface', 'base interface "eth1" is marked absent in this document'],
]);
stateCase('vlan that is its own base', ifaces(vlan('v10', 'v10', 10)), [['interfaces[0].vlan.base-iface', 'an interface cannot be its own base']]);
stateCase('the same VLAN twice on one base', ifaces(vlan('v1', 'eth0', 10), vlan('v2', 'eth0', 10)), [
  ['interfaces[1].vlan.id', 'VLAN 10 on eth0 is already defined by "v1"'],
]);
stateCase('type vlan without a vlan section', ifaces({ name: 'v10', type: 'vlan' }), [['interfaces[0].vlan', 'is required for type vlan']]);
stateCase('a vlan section on an ethernet', ifaces({ name: 'eth0', type: 'ethernet', vlan: { 'base-iface': 'eth1', id: 3 } }), [
  ['interfaces[0].vlan', '"vlan" is only valid for type vlan, not ethernet'],
]);

// ---- interfaces --------------------------------------------------------------------------------
stateCase('duplicate interface names', ifaces({ name: 'eth0' }, { name: 'eth1' }, { name: 'eth0' }), [
  ['interfaces[2].name', 'duplicate interface "eth0" (also at interfaces[0])'],
]);
stateCase('unknown interface type', ifaces({ name: 'wlan0', type: 'wifi' }), [
  ['interfaces[0].type', `must be one of ${InterfaceTypes.join(', ')}; got the string "wifi"`],
]);
stateCase('unknown state', ifaces({ name: 'eth0', state: 'running' }), [['interfaces[0].state', 'must be one of up, down, absent; got the string "running"']]);
stateCase('interface name longer than 15 characters', ifaces({ name: 'abcdefghijklmnop' }), [
  ['interfaces[0].name', '"abcdefghijklmnop" is longer than 15 characters, the Linux limit for interface names'],
]);
stateCase('interface name with a space', ifaces({ name: 'eth 0' }), [
  ['interfaces[0].name', '"eth 0" contains whitespace; interface names may contain letters, digits, ".", "_", "-" and "@"'],
]);
stateCase('interface name with a slash', ifaces({ name: 'eth/0' }), [
  ['interfaces[0].name', '"eth/0" contains "/"; interface names may contain letters, digits, ".", "_", "-" and "@"'],
]);
stateCase('malformed mac-address', ifaces({ name: 'eth0', 'mac-address': '00:11:22:33:44' }), [
  ['interfaces[0].mac-address', '"00:11:22:33:44" is not valid: MAC address: six hex bytes separated by ":", e.g. 02:00:00:00:00:01'],
]);
stateCase('unknown top-level key', { interfaces: [], interface: [] }, [['interface', 'unknown field "interface"']]);
stateCase('unknown nested key', ifaces({ name: 'eth0', ipv4: { adress: [] } }), [['interfaces[0].ipv4.adress', 'unknown field "adress"']]);

// ---- addresses ---------------------------------------------------------------------------------
const addr = (fam: 'ipv4' | 'ipv6', ip: string, prefix: number) => ifaces({ name: 'eth0', [fam]: { address: [{ ip, 'prefix-length': prefix }] } });
stateCase('IPv4 prefix /33', addr('ipv4', '10.0.0.1', 33), [['interfaces[0].ipv4.address[0].prefix-length', 'must be at most 32 for IPv4, got 33']]);
stateCase('IPv6 prefix /129', addr('ipv6', '2001:db8::1', 129), [['interfaces[0].ipv6.address[0].prefix-length', 'must be at most 128, got 129']]);
stateCase('IPv6 address in the ipv4 section', addr('ipv4', '2001:db8::1', 64), [
  ['interfaces[0].ipv4.address[0].ip', '"2001:db8::1" is an IPv6 address in the ipv4 section'],
]);
stateCase('IPv4 address in the ipv6 section', addr('ipv6', '10.0.0.1', 24), [
  ['interfaces[0].ipv6.address[0].ip', '"10.0.0.1" is an IPv4 address in the ipv6 section'],
]);
stateCase('IPv4 octet 256', addr('ipv4', '10.0.0.256', 24), [['interfaces[0].ipv4.address[0].ip', '"10.0.0.256" is not an IPv4 address']]);
stateCase('address with the prefix inside ip', addr('ipv4', '10.0.0.1/24', 24), [['interfaces[0].ipv4.address[0].ip', '"10.0.0.1/24" is not an IPv4 address']]);
stateCase('the same address twice', ifaces({ name: 'eth0', ipv4: { address: [{ ip: '10.0.0.1', 'prefix-length': 24 }, { ip: '10.0.0.1', 'prefix-length': 24 }] } }), [
  ['interfaces[0].ipv4.address[1]', 'duplicate address 10.0.0.1/24 (also at ipv4.address[0])'],
]);
stateCase('autoconf in ipv4', ifaces({ name: 'eth0', ipv4: { autoconf: true } }), [['interfaces[0].ipv4.autoconf', 'autoconf (SLAAC) exists only for ipv6']]);
stateCase('ipv4 disabled but with an address', ifaces({ name: 'eth0', ipv4: { enabled: false, address: [{ ip: '10.0.0.1', 'prefix-length': 24 }] } }), [
  ['interfaces[0].ipv4.enabled', 'ipv4 is disabled but addresses or dhcp are set'],
]);

// ---- bonds, bridges, OVS, SR-IOV, NIC match ----------------------------------------------------
const bond = (name: string, ...port: string[]) => ({ name, type: 'bond', 'link-aggregation': { mode: 'active-backup', port } });
stateCase('a bond port claimed twice', ifaces(bond('bond0', 'eth0', 'eth1'), bond('bond1', 'eth1', 'eth2')), [
  ['interfaces[1].link-aggregation.port[0]', '"eth1" is already a port of "bond0"'],
]);
stateCase('a port claimed by a bond and a bridge', ifaces(bond('bond0', 'eth0'), { name: 'br0', type: 'linux-bridge', bridge: { port: [{ name: 'eth0' }] } }), [
  ['interfaces[1].bridge.port[0].name', '"eth0" is already a port of "bond0"'],
]);
stateCase('unknown bond mode', ifaces({ name: 'bond0', type: 'bond', 'link-aggregation': { mode: 'lacp' } }), [
  ['interfaces[0].link-aggregation.mode', 'must be one of balance-rr, active-backup, balance-xor, broadcast, 802.3ad, balance-tlb, balance-alb, balance-slb, balance-tcp; got the string "lacp"'],
]);
stateCase('a bridge that is its own port', ifaces({ name: 'br0', type: 'linux-bridge', bridge: { port: [{ name: 'br0' }] } }), [
  ['interfaces[0].bridge.port[0].name', '"br0" cannot be a port of itself'],
]);
stateCase('OVS trunk port without trunk-tags', ifaces({ name: 'br0', type: 'ovs-bridge', bridge: { port: [{ name: 'eth0', vlan: { mode: 'trunk' } }] } }), [
  ['interfaces[0].bridge.port[0].vlan.trunk-tags', 'a trunk port needs trunk-tags'],
]);
stateCase('OVS port VLAN tag 4095', ifaces({ name: 'br0', type: 'ovs-bridge', bridge: { port: [{ name: 'eth0', vlan: { mode: 'access', tag: 4095 } }] } }), [
  ['interfaces[0].bridge.port[0].vlan.tag', 'must be at most 4094, got 4095 (802.1Q VLAN id 1..4094)'],
]);
stateCase('OVS bond with one port', ifaces({ name: 'br0', type: 'ovs-bridge', bridge: { port: [{ name: 'bond0', 'link-aggregation': { mode: 'active-backup', port: [{ name: 'eth0' }] } }] } }), [
  ['interfaces[0].bridge.port[0].link-aggregation.port', 'must have at least 2 entries'],
]);
stateCase('a bond inside a linux-bridge port', ifaces({ name: 'br0', type: 'linux-bridge', bridge: { port: [{ name: 'bond0', 'link-aggregation': { mode: 'active-backup', port: [{ name: 'eth0' }, { name: 'eth1' }] } }] } }), [
  ['interfaces[0].bridge.port[0].link-aggregation', 'bonds inside a bridge port exist only on ovs-bridge'],
]);
const sriov = (sr: unknown) => ifaces({ name: 'ens1f0', type: 'ethernet', ethernet: { 'sr-iov': sr } });
stateCase('VF id equal to total-vfs', sriov({ 'total-vfs': 2, vfs: [{ id: 0 }, { id: 2 }] }), [
  ['interfaces[0].ethernet.sr-iov.vfs[1].id', 'VF 2 does not exist with total-vfs 2 (ids are 0..1)'],
]);
stateCase('VF with a malformed mac-address', sriov({ 'total-vfs': 1, vfs: [{ id: 0, 'mac-address': 'zz:00:00:00:00:01' }] }), [
  ['interfaces[0].ethernet.sr-iov.vfs[0].mac-address', '"zz:00:00:00:00:01" is not valid: MAC address: six hex bytes separated by ":", e.g. 02:00:00:00:00:01'],
]);
stateCase('VF qos 8', sriov({ 'total-vfs': 1, vfs: [{ id: 0, qos: 8 }] }), [['interfaces[0].ethernet.sr-iov.vfs[0].qos', 'must be at most 7, got 8']]);
const match = (m: unknown) => ifaces({ name: 'nic', type: 'ethernet', 'fleetnet.io/match': m });
stateCase('fleetnet.io/match with nothing in it', match({}), [['interfaces[0]["fleetnet.io/match"]', 'name at least one of pci-address, vendor-id, device-id']]);
stateCase('fleetnet.io/match with vendor-id alone', match({ 'vendor-id': '8086' }), [['interfaces[0]["fleetnet.io/match"]', 'vendor-id and device-id go together']]);
stateCase('fleetnet.io/match with a malformed pci-address', match({ 'pci-address': '0000:03:00' }), [
  ['interfaces[0]["fleetnet.io/match"].pci-address', '"0000:03:00" is not valid: PCI address domain:bus:device.function, e.g. 0000:03:00.0'],
]);
stateCase('vxlan remote that is a host name', ifaces({ name: 'vx0', type: 'vxlan', vxlan: { id: 5, remote: 'peer.example.com' } }), [
  ['interfaces[0].vxlan.remote', '"peer.example.com" is not an IP address'],
]);

// ---- routes and DNS ----------------------------------------------------------------------------
stateCase('route destination with host bits set', routes({ destination: '10.1.2.3/8', 'next-hop-interface': 'eth0' }), [
  ['routes.config[0].destination', '10.1.2.3/8 has host bits set; did you mean 10.0.0.0/8?'],
]);
stateCase('IPv6 route destination with host bits set', routes({ destination: '2001:db8::1/64', 'next-hop-interface': 'eth0' }), [
  ['routes.config[0].destination', '2001:db8::1/64 has host bits set; did you mean 2001:db8::/64?'],
]);
stateCase('route destination prefix /40', routes({ destination: '10.0.0.0/40', 'next-hop-interface': 'eth0' }), [
  ['routes.config[0].destination', 'prefix length "40" is out of range 0..32 for IPv4'],
]);
stateCase('IPv6 next hop for an IPv4 route', routes({ destination: '10.0.0.0/8', 'next-hop-address': '2001:db8::1' }), [
  ['routes.config[0].next-hop-address', 'IPv6 next hop for an IPv4 destination'],
]);
stateCase('next hop that is not an address', routes({ destination: '0.0.0.0/0', 'next-hop-address': 'gateway' }), [
  ['routes.config[0].next-hop-address', '"gateway" is not an IP address'],
]);
stateCase('route without any next hop', routes({ destination: '10.0.0.0/8' }), [['routes.config[0]', 'a route needs next-hop-address or next-hop-interface']]);
stateCase('route over an interface marked absent', { interfaces: [{ name: 'eth1', state: 'absent' }], ...routes({ destination: '10.0.0.0/8', 'next-hop-interface': 'eth1' }) }, [
  ['routes.config[0].next-hop-interface', 'interface "eth1" is marked absent in this document'],
]);
stateCase('route state "present"', routes({ destination: '10.0.0.0/8', 'next-hop-interface': 'eth0', state: 'present' }), [
  ['routes.config[0].state', 'must be "absent", got the string "present"'],
]);
stateCase('DNS server that is a host name', { 'dns-resolver': { config: { server: ['10.0.0.53', 'dns.example.com'] } } }, [
  ['dns-resolver.config.server[1]', '"dns.example.com" is not an IP address'],
]);
stateCase('DNS search entry with a space', { 'dns-resolver': { config: { search: ['bad domain'] } } }, [['dns-resolver.config.search[0]', '"bad domain" is not a domain name']]);

test('state: every error of a document comes back, not only the first', () => {
  const r = validateNetworkState({ interfaces: [{ name: 'eth0' }, { name: 'eth0' }, { name: 'eth1', state: 'absent' }, vlan('v9', 'eth1', 9)], ...routes({ destination: '10.0.0.1/8', 'next-hop-interface': 'eth0' }) });
  assert.equal(errorsOf(r), [
    ['interfaces[1].name', 'duplicate interface "eth0" (also at interfaces[0])'],
    ['interfaces[3].vlan.base-iface', 'base interface "eth1" is marked absent in this document'],
    ['routes.config[0].destination', '10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?'],
  ]);
});

// ---- policies ----------------------------------------------------------------------------------
const expr = (e: unknown) => policy({ hostSelector: { matchExpressions: [e] } });
policyCase('selector In without values', expr({ key: 'rack', operator: 'In' }), [['spec.hostSelector.matchExpressions[0].values', 'operator In needs at least one value']]);
policyCase('selector NotIn with an empty list', expr({ key: 'rack', operator: 'NotIn', values: [] }), [['spec.hostSelector.matchExpressions[0].values', 'operator NotIn needs at least one value']]);
policyCase('selector Exists with values', expr({ key: 'rack', operator: 'Exists', values: ['r1'] }), [['spec.hostSelector.matchExpressions[0].values', 'operator Exists takes no values']]);
policyCase('selector with an unknown operator', expr({ key: 'rack', operator: 'Equals' }), [
  ['spec.hostSelector.matchExpressions[0].operator', 'must be one of In, NotIn, Exists, DoesNotExist; got the string "Equals"'],
]);
const MAX_UNAVAILABLE = 'hosts applying at once: a count of at least 1 or a percentage from 1% to 100%, e.g. "10%"';
policyCase('maxUnavailable "200%"', policy({ rollout: { maxUnavailable: '200%' } }), [['spec.rollout.maxUnavailable', `the string "200%" is not valid: ${MAX_UNAVAILABLE}`]]);
policyCase('maxUnavailable 0', policy({ rollout: { maxUnavailable: 0 } }), [['spec.rollout.maxUnavailable', `number 0 is not valid: ${MAX_UNAVAILABLE}`]]);
policyCase('maxUnavailable "0%"', policy({ rollout: { maxUnavailable: '0%' } }), [['spec.rollout.maxUnavailable', `the string "0%" is not valid: ${MAX_UNAVAILABLE}`]]);
policyCase('failureThreshold 0', policy({ rollout: { failureThreshold: 0 } }), [
  ['spec.rollout.failureThreshold', 'must be at least 1, got 0 (failed hosts after which the rollout halts)'],
]);
policyCase('policy name with a dot', policy({}, { name: 'web.prod' }), [['metadata.name', `"web.prod" contains a dot; ${NAME_RULE}`]]);
policyCase('policy name with the wildcard *', policy({}, { name: 'web*' }), [['metadata.name', `"web*" contains the wildcard "*"; ${NAME_RULE}`]]);
policyCase('policy name with the wildcard >', policy({}, { name: '>' }), [['metadata.name', `">" contains the wildcard ">"; ${NAME_RULE}`]]);
policyCase('policy name with a space', policy({}, { name: 'web prod' }), [['metadata.name', `"web prod" contains whitespace; ${NAME_RULE}`]]);
policyCase('empty policy name', policy({}, { name: '' }), [['metadata.name', 'must not be empty']]);
policyCase('policy name as a number', policy({}, { name: 42 }), [['metadata.name', 'must be a string, got number 42']]);
policyCase('wrong apiVersion', { ...policy(), apiVersion: 'v1' }, [['apiVersion', 'must be "fleetnet.io/v1", got the string "v1"']]);
policyCase('wrong kind', { ...policy(), kind: 'NodeNetworkConfigurationPolicy' }, [['kind', 'must be "HostNetworkPolicy", got the string "NodeNetworkConfigurationPolicy"']]);
policyCase('spec without desiredState', { ...policy(), spec: { priority: 1 } }, [['spec.desiredState', 'is required']]);
policyCase('unknown key in spec', policy({ enforced: true }), [['spec.enforced', 'unknown field "enforced"']]);
policyCase('label key with a space', policy({ hostSelector: { matchLabels: { 'my rack': 'r1' } } }), [
  ['spec.hostSelector.matchLabels["my rack"]', 'invalid key "my rack" (label keys are an optional DNS prefix and "/", then up to 63 letters, digits, "-", "_", "." starting and ending with a letter or digit)'],
]);
policyCase('label value with a space', policy({ hostSelector: { matchLabels: { rack: 'r 1' } } }), [
  ['spec.hostSelector.matchLabels.rack', '"r 1" is not valid: label value: empty, or up to 63 letters, digits, "-", "_", "." starting and ending with a letter or digit'],
]);
policyCase('desired state errors carry the spec.desiredState prefix', policy({ desiredState: ifaces(vlan('v0', 'eth0', 0)) }), [
  ['spec.desiredState.interfaces[0].vlan.id', 'must be at least 1, got 0 (802.1Q VLAN id 1..4094)'],
]);
policyCase('semantic errors carry the spec.desiredState prefix', policy({ desiredState: ifaces(bond('bond0', 'eth0'), bond('bond1', 'eth0')) }), [
  ['spec.desiredState.interfaces[1].link-aggregation.port[0]', '"eth0" is already a port of "bond0"'],
]);

// ---- YAML --------------------------------------------------------------------------------------
const POLICY_YAML = `apiVersion: fleetnet.io/v1
kind: HostNetworkPolicy
metadata:
  name: p1
spec:
  desiredState:
    interfaces:
      - name: eth0
        mtu: 1500
`;
const policyErrors = (text: string) => loadPolicies(text, 'p.yaml').errors.map(formatSourceError);
const stateErrors = (text: string) => loadNetworkState(text, 's.yaml').errors.map(formatSourceError);

test('yaml: a tab used for indentation', () => {
  assert.equal(policyErrors(POLICY_YAML.replace('        mtu', '\tmtu')), ['p.yaml:9:1: tabs are not allowed for indentation in YAML; use spaces']);
});
test('yaml: truncated inside a quoted string points at the opening quote', () => {
  assert.equal(policyErrors(`${POLICY_YAML}        type: "ethernet\n`), ['p.yaml:10:15: unclosed " quote: the string that starts here never ends']);
});
test('yaml: truncated inside a flow mapping points at the opening brace', () => {
  assert.equal(policyErrors(`${POLICY_YAML}        ipv4: { enabled: true\n`), ['p.yaml:10:15: unclosed "{": a flow mapping must end with "}"']);
});
test('yaml: truncated inside a flow list points at the opening bracket', () => {
  assert.equal(stateErrors('interfaces: [ {name: eth0}\n'), ['s.yaml:1:13: unclosed "[": a flow list must end with "]"']);
});
test('yaml: a duplicate key', () => {
  assert.equal(policyErrors(`${POLICY_YAML}        mtu: 9000\n`), ['p.yaml:10:9: duplicate key "mtu": a key may appear only once in a mapping']);
});
test('yaml: a list item without its dash', () => {
  assert.equal(stateErrors('interfaces:\n  - name: eth0\n   mtu: 1\n'), ['s.yaml:3:1: YAML syntax error: Sequence item without - indicator']);
});
test('yaml: an empty policy file', () => {
  assert.equal(policyErrors(''), ['p.yaml:1:1: no policy document in file']);
});
test('yaml: the same policy name in two documents', () => {
  assert.equal(policyErrors(`${POLICY_YAML}---\n${POLICY_YAML}`), ['p.yaml:14:9: metadata.name: policy "p1" is defined twice (also in document 1)']);
});
test('yaml: a network state file with two documents', () => {
  assert.equal(stateErrors('interfaces: []\n---\ninterfaces: []\n'), ['s.yaml:1:1: expected exactly one document, found 2']);
});
test('yaml: a network state that is a plain string', () => {
  assert.equal(stateErrors('hello\n'), ['s.yaml:1:1: must be a mapping, got the string "hello"']);
});

// ---- events ------------------------------------------------------------------------------------
const good = makeEvent(EventTypes.policyDeleted, 'fleetnet-cli', 'fleetnet.intent.policy.p1', { name: 'p1' }, { id: 'e1', time: new Date(0) });
const wire = JSON.parse(new TextDecoder().decode(encodeEvent(good))) as Record<string, unknown>;
const forged = (change: Record<string, unknown>) => JSON.stringify({ ...wire, ...change });
function eventCase(name: string, input: string, message: string, expected: Expected = [], types?: readonly (typeof EventTypes)[keyof typeof EventTypes][]) {
  test(`event: ${name}`, () => {
    const r = parseEvent(input, types);
    if (r.ok) return assert.unreachable('the event was accepted');
    assert.is(r.error.message, message);
    assert.equal(r.error.errors.map((e) => [e.path, e.message]), expected);
  });
}
test('event: the untouched sample is accepted (so the cases below fail for their own reason)', () => {
  const r = parseEvent(JSON.stringify(wire));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
});
eventCase('missing type', forged({ type: undefined }), 'not a CloudEvents 1.0 envelope: type: is required', [['type', 'is required']]);
eventCase('type is a number', forged({ type: 7 }), 'not a CloudEvents 1.0 envelope: type: must be a string, got number 7', [['type', 'must be a string, got number 7']]);
eventCase('empty type', forged({ type: '' }), 'not a CloudEvents 1.0 envelope: type: must not be empty', [['type', 'must not be empty']]);
eventCase('unknown type', forged({ type: 'fleetnet.policy.exploded.v1' }), 'unknown event type "fleetnet.policy.exploded.v1"');
eventCase('wrong type for its data', forged({ type: EventTypes.hostRetired }), 'invalid data for fleetnet.host.retired.v1: data.host: is required; data.name: unknown field "name"', [
  ['data.host', 'is required'],
  ['data.name', 'unknown field "name"'],
]);
eventCase('a type the consumer does not take', JSON.stringify(wire), 'event type "fleetnet.policy.deleted.v1" is not one of fleetnet.agent.hello.v1', [], [EventTypes.hello]);
eventCase('truncated JSON', JSON.stringify(wire).slice(0, 60), 'event is not complete JSON (Unterminated string in JSON at position 60); truncated?');
eventCase('empty message', '', 'event is not complete JSON (Unexpected end of JSON input); truncated?');
eventCase('data not matching its schema', forged({ data: { name: 'a.b' } }), `invalid data for fleetnet.policy.deleted.v1: data.name: "a.b" contains a dot; ${NAME_RULE}`, [
  ['data.name', `"a.b" contains a dot; ${NAME_RULE}`],
]);
eventCase('without data', forged({ data: undefined }), 'not a CloudEvents 1.0 envelope: data: is required', [['data', 'is required']]);
eventCase('CloudEvents 0.3', forged({ specversion: '0.3' }), 'not a CloudEvents 1.0 envelope: specversion: must be "1.0", got the string "0.3"', [
  ['specversion', 'must be "1.0", got the string "0.3"'],
]);
eventCase('time that is not RFC 3339', forged({ time: 'yesterday' }), 'not a CloudEvents 1.0 envelope: time: the string "yesterday" is not a valid date-time (RFC 3339, e.g. 2024-05-01T12:00:00Z)', [
  ['time', 'the string "yesterday" is not a valid date-time (RFC 3339, e.g. 2024-05-01T12:00:00Z)'],
]);
eventCase('an unknown envelope attribute', forged({ extra: 1 }), 'not a CloudEvents 1.0 envelope: extra: unknown field "extra"', [['extra', 'unknown field "extra"']]);
eventCase('a list instead of an envelope', '[]', 'not a CloudEvents 1.0 envelope: (root): must be a mapping, got a list', [['', 'must be a mapping, got a list']]);

// ---- names -------------------------------------------------------------------------------------
const nameCases: [string, unknown, string][] = [
  ['a dot', 'web.prod', `host name "web.prod" contains a dot; ${NAME_RULE}`],
  ['the wildcard *', '*', `host name "*" contains the wildcard "*"; ${NAME_RULE}`],
  ['the wildcard >', 'web>', `host name "web>" contains the wildcard ">"; ${NAME_RULE}`],
  ['a space', 'web 1', `host name "web 1" contains whitespace; ${NAME_RULE}`],
  ['a tab', 'web\t1', `host name "web\t1" contains whitespace; ${NAME_RULE}`],
  ['empty', '', 'host name must not be empty'],
  ['a leading dash', '-web', 'host name "-web" must start with a letter or digit'],
  ['64 characters', 'h'.repeat(64), `host name "${'h'.repeat(64)}" is longer than 63 characters`],
  ['not a string', 7, 'host name must be a string'],
];
for (const [what, value, message] of nameCases) {
  test(`name: ${what}`, () => {
    assert.is(nameProblem(value, 'host name'), message);
    // Every subject builder refuses it with the same message.
    assert.throws(() => subjects.desired(value as string), (e: unknown) => e instanceof InvalidNameError && e.message === message);
  });
}

test.run();
