import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nicMatches, resolveNicMatches, type Nic, type NetworkState } from '../src/index.ts';

const NICS: Nic[] = [
  { name: 'eno1', pciAddress: '0000:00:19.0', vendorId: '8086', deviceId: '15b7', driver: 'e1000e' },
  { name: 'ens1f0', pciAddress: '0000:03:00.0', vendorId: '8086', deviceId: '10fb', driver: 'ixgbe' },
  { name: 'ens1f1', pciAddress: '0000:03:00.1', vendorId: '8086', deviceId: '10fb', driver: 'ixgbe' },
  { name: 'lo' },
];

test('by PCI address: the one NIC at that address takes the entry, the match key is gone (case-insensitive)', () => {
  const state: NetworkState = { interfaces: [{ name: 'uplink', type: 'ethernet', mtu: 9000, 'fleetnet.io/match': { 'pci-address': '0000:03:00.1'.toUpperCase() } }] };
  const r = resolveNicMatches(state, NICS);
  assert.equal(r.errors, []);
  assert.equal(r.state, { interfaces: [{ name: 'ens1f1', type: 'ethernet', mtu: 9000 }] });
});

test('by vendor and device: one entry becomes every NIC of that model, others untouched and in order', () => {
  const state: NetworkState = {
    interfaces: [
      { name: 'eth9', type: 'ethernet', state: 'down' },
      { name: 'x520', type: 'ethernet', ethernet: { 'sr-iov': { 'total-vfs': 4 } }, 'fleetnet.io/match': { 'vendor-id': '8086', 'device-id': '10FB' } },
    ],
    routes: { config: [] },
  };
  const r = resolveNicMatches(state, NICS);
  assert.equal(r.errors, []);
  assert.equal(r.state, {
    interfaces: [
      { name: 'eth9', type: 'ethernet', state: 'down' },
      { name: 'ens1f0', type: 'ethernet', ethernet: { 'sr-iov': { 'total-vfs': 4 } } },
      { name: 'ens1f1', type: 'ethernet', ethernet: { 'sr-iov': { 'total-vfs': 4 } } },
    ],
    routes: { config: [] },
  });
});

test('no match is an error at the entry\'s path (with the prefix given), never a silent skip', () => {
  const state: NetworkState = { interfaces: [{ name: 'eth0' }, { name: 'mlx', type: 'ethernet', 'fleetnet.io/match': { 'vendor-id': '15b3', 'device-id': '1017' } }] };
  const r = resolveNicMatches(state, NICS, ['spec', 'desiredState']);
  assert.equal(r.errors.map((e) => [e.path, e.message]), [
    ['spec.desiredState.interfaces[1]["fleetnet.io/match"]', 'no NIC on this host matches vendor-id=15b3, device-id=1017'],
  ]);
  assert.equal(r.state.interfaces!.map((i) => i.name), ['eth0']);
});

test('a NIC selected twice (by name and by match) is an error', () => {
  const state: NetworkState = { interfaces: [{ name: 'ens1f0', mtu: 1500 }, { name: 'any', 'fleetnet.io/match': { 'pci-address': '0000:03:00.0' } }] };
  const r = resolveNicMatches(state, NICS);
  assert.equal(r.errors.map((e) => [e.path, e.message]), [['interfaces[1]', 'NIC "ens1f0" is selected twice']]);
});

test('nicMatches: every named criterion must hold; a NIC without PCI data never matches', () => {
  assert.ok(nicMatches(NICS[1]!, { 'vendor-id': '8086' }));
  assert.not.ok(nicMatches(NICS[1]!, { 'vendor-id': '8086', 'device-id': '15b7' }));
  assert.not.ok(nicMatches(NICS[3]!, { 'vendor-id': '8086' }));
  assert.ok(nicMatches(NICS[0]!, { 'pci-address': '0000:00:19.0', 'vendor-id': '8086', 'device-id': '15B7' }));
});

test('a state without interfaces passes through unchanged', () => {
  const state: NetworkState = { 'dns-resolver': { config: { server: ['10.0.0.53'] } } };
  assert.equal(resolveNicMatches(state, NICS), { state, errors: [] });
});

test.run();
