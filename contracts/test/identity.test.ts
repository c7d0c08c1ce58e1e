/**
 * nmstate's interface identity and link keys in contracts: identifier: mac-address resolved against a
 * NIC list (strict in the agent, lenient in the controller), profile-name accepted and dropped,
 * accept-all-mac-addresses and lldp in the schema and the in-sync comparison, lldp enabled: true accepted.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compare, macCandidates, resolveMacIdentifiers, validateNetworkState, type NetworkState } from '../src/index.ts';

const NICS = [{ name: 'eno1', mac: '52:54:00:f6:80:01' }, { name: 'eno2', mac: '52:54:00:f6:80:02' }];
const byMac = (mac: string): NetworkState => ({ interfaces: [{ name: 'eth1', 'profile-name': 'eth1', identifier: 'mac-address', 'mac-address': mac, mtu: 9000 }] });

test('identifier: mac-address becomes the NIC with that MAC (case-insensitive); the name and profile-name were labels', () => {
  const r = resolveMacIdentifiers(byMac('52:54:00:F6:80:02'), NICS, { strict: true });
  assert.equal(r.errors, []);
  assert.equal(r.state.interfaces, [{ name: 'eno2', 'mac-address': '52:54:00:F6:80:02', mtu: 9000 }]);
});

test('a MAC no NIC has: an error naming it in the agent (strict), left for the agent in the controller', () => {
  const strict = resolveMacIdentifiers(byMac('52:54:00:00:00:09'), NICS, { strict: true, at: ['spec', 'desiredState'] });
  assert.equal(strict.errors.map((e) => [e.path, e.message]), [['spec.desiredState.interfaces[0].mac-address', 'no NIC on this host has MAC 52:54:00:00:00:09 (identifier: mac-address)']]);
  const lenient = resolveMacIdentifiers(byMac('52:54:00:00:00:09'), NICS, { strict: false });
  assert.equal(lenient, { state: byMac('52:54:00:00:00:09'), errors: [] });
});

test('two NICs with the MAC: refused in both modes (identifier cannot tell them apart)', () => {
  const twins = [...NICS, { name: 'eno3', mac: '52:54:00:f6:80:01' }];
  for (const strict of [true, false]) {
    const r = resolveMacIdentifiers(byMac('52:54:00:f6:80:01'), twins, { strict });
    assert.match(r.errors[0]?.message ?? '', 'several NICs have MAC 52:54:00:f6:80:01 (eno1, eno3)');
  }
});

test('an absent interface and identifier: name are left alone; the agent\'s candidates are ethernet-like links only', () => {
  const s: NetworkState = { interfaces: [{ name: 'eth1', identifier: 'mac-address', 'mac-address': '52:54:00:f6:80:01', state: 'absent' }, { name: 'eth2', identifier: 'name' }] };
  assert.equal(resolveMacIdentifiers(s, NICS, { strict: true }), { state: s, errors: [] });
  const actual: NetworkState = {
    interfaces: [
      { name: 'eno1', type: 'ethernet', 'mac-address': '52:54:00:f6:80:01' },
      { name: 'br0', type: 'linux-bridge', 'mac-address': '52:54:00:f6:80:01' },
      { name: 'v0', type: 'veth', 'mac-address': '02:00:00:00:00:01' },
    ],
  };
  assert.equal(macCandidates(actual), [{ name: 'eno1', mac: '52:54:00:f6:80:01' }, { name: 'v0', mac: '02:00:00:00:00:01' }]);
});

test('validation: identifier needs the MAC and excludes fleetnet.io/match; lldp enabled: true accepted (the agent runs lldpd); the rest accepted', () => {
  const ok = validateNetworkState({ interfaces: [{ name: 'eth1', 'profile-name': 'Wired 1', identifier: 'mac-address', 'mac-address': '00:00:51:00:00:0A', 'accept-all-mac-addresses': true, lldp: { enabled: false } }] });
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.errors));
  const bad = validateNetworkState({
    interfaces: [
      { name: 'eth1', identifier: 'mac-address' },
      { name: 'eth2', type: 'ethernet', identifier: 'mac-address', 'mac-address': '00:00:51:00:00:0B', 'fleetnet.io/match': { 'pci-address': '0000:03:00.0' } },
    ],
  });
  assert.not.ok(bad.ok);
  if (!bad.ok) {
    assert.equal(bad.errors.map((e) => [e.path, e.message]), [
      ['interfaces[0].mac-address', 'is required with identifier: mac-address (it names the NIC)'],
      ['interfaces[1].identifier', 'a NIC is selected either by MAC (identifier: mac-address) or by fleetnet.io/match, not both'],
    ]);
  }
  const lldpOn = validateNetworkState({ interfaces: [{ name: 'eth3', type: 'ethernet', lldp: { enabled: true } }] });
  assert.ok(lldpOn.ok, JSON.stringify(!lldpOn.ok && lldpOn.errors));
  const typo = validateNetworkState({ interfaces: [{ name: 'eth1', identifier: 'mac' }] });
  assert.not.ok(typo.ok);
});

test('compare: accept-all-mac-addresses and lldp.enabled, absent in a report meaning off', () => {
  const desired: NetworkState = { interfaces: [{ name: 'eth1', 'accept-all-mac-addresses': false, lldp: { enabled: false } }] };
  const off = compare(desired, { interfaces: [{ name: 'eth1', type: 'ethernet', state: 'up' }] });
  assert.ok(off.inSync, JSON.stringify(off.results));
  assert.equal(off.results.map((r) => r.path).sort(), ['interfaces[eth1].accept-all-mac-addresses', 'interfaces[eth1].lldp.enabled']);
  const on = compare(desired, { interfaces: [{ name: 'eth1', type: 'ethernet', state: 'up', 'accept-all-mac-addresses': true, lldp: { enabled: true } }] });
  assert.not.ok(on.inSync);
  assert.is(on.results.filter((r) => !r.inSync).length, 2);
});

test.run();
