import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { portVlanLines, portVlanOf } from '../src/linux/port-vlans.ts';

test('trunk with a native VLAN and an id-range, from the kernel default (VLAN 1 untagged): 1 goes, ranges in one line', () => {
  const want = { mode: 'trunk' as const, tag: 100, 'enable-native': true, 'trunk-tags': [{ id: 101 }, { 'id-range': { min: 500, max: 599 } }] };
  assert.equal(portVlanLines('eth1', want, { mode: 'access', tag: 1 }), [
    'vlan del dev eth1 vid 1',
    'vlan add dev eth1 vid 101',
    'vlan add dev eth1 vid 500-599',
    'vlan add dev eth1 vid 100 pvid untagged',
  ]);
});

test('read back: the kernel\'s entries (ranges with -c) become the same trunk; nothing left to do', () => {
  const read = portVlanOf([{ vlan: 100, flags: ['PVID', 'Egress Untagged'] }, { vlan: 101 }, { vlan: 500, vlanEnd: 599 }]);
  assert.equal(read, { mode: 'trunk', tag: 100, 'enable-native': true, 'trunk-tags': [{ id: 101 }, { 'id-range': { min: 500, max: 599 } }] });
  const want = { mode: 'trunk' as const, tag: 100, 'enable-native': true, 'trunk-tags': [{ 'id-range': { min: 500, max: 599 } }, { id: 101 }] };
  assert.equal(portVlanLines('eth1', want, read), []);
});

test('access port: one untagged PVID; changing the tag removes the old one', () => {
  assert.equal(portVlanOf([{ vlan: 20, flags: ['PVID', 'Egress Untagged'] }]), { mode: 'access', tag: 20 });
  assert.equal(portVlanLines('p', { mode: 'access', tag: 30 }, { mode: 'access', tag: 20 }), ['vlan del dev p vid 20', 'vlan add dev p vid 30 pvid untagged']);
});

test.run();
