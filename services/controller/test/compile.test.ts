import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostNetworkPolicy } from '@fleetnet/contracts';
import { compileHost, type PolicyAt } from '../src/compile.ts';
import { actualChanges, desiredChanges } from '../src/api/changes.ts';

const at = (name: string, spec: Partial<HostNetworkPolicy['spec']>, revision = 1): PolicyAt => ({
  name, revision,
  policy: { apiVersion: 'fleetnet.io/v1', kind: 'HostNetworkPolicy', metadata: { name }, spec: { desiredState: {}, ...spec } as HostNetworkPolicy['spec'] },
});
const facts = {
  nics: [{ name: 'eth0', vendorId: '8086', deviceId: '1572' }, { name: 'ens5', vendorId: '15b3', deviceId: '1017' }, { name: 'ens6', vendorId: '15b3', deviceId: '1017' }],
  kernel: { release: '6', capabilities: { bond: false, vlan: false, dummy: false, macvlan: true, vxlan: true, ovs: true } },
};

test('priority merge: higher priority wins per property, others merge in', () => {
  const c = compileHost(facts, [
    at('low', { priority: 0, desiredState: { interfaces: [{ name: 'eth0', mtu: 1500, state: 'up' }], 'dns-resolver': { config: { server: ['10.0.0.53'] } } } }),
    at('high', { priority: 10, desiredState: { interfaces: [{ name: 'eth0', mtu: 9000 }] } }),
  ]);
  assert.equal(c.state.interfaces, [{ name: 'eth0', mtu: 9000, state: 'up' }]);
  assert.equal(c.state['dns-resolver'], { config: { server: ['10.0.0.53'] } });
  assert.equal(c.conflicts, []);
  assert.equal(c.sources, [{ policy: 'high', revision: 1 }, { policy: 'low', revision: 1 }]);
});

test('equal priority, different values: a conflict naming both, and no value chosen', () => {
  const c = compileHost(facts, [
    at('b', { priority: 5, desiredState: { interfaces: [{ name: 'br0', type: 'linux-bridge', mtu: 1400 }], routes: { config: [{ destination: '10.0.0.0/8', 'next-hop-address': '10.0.0.1', metric: 1 }] } } }),
    at('a', { priority: 5, desiredState: { interfaces: [{ name: 'br0', type: 'linux-bridge', mtu: 1500 }], routes: { config: [{ destination: '10.0.0.0/8', 'next-hop-address': '10.0.0.1', metric: 2 }] } } }),
  ]);
  assert.equal(c.state.interfaces, [{ name: 'br0', type: 'linux-bridge' }]);
  assert.is(c.conflicts.length, 2);
  assert.equal(c.conflicts[0], { path: 'interfaces[br0].mtu', policies: ['a', 'b'] });
  assert.match(c.conflicts[1]!.path, /^routes\[/);
  // equal priority, equal value: no conflict
  const same = compileHost(facts, [at('x', { desiredState: { interfaces: [{ name: 'eth0', mtu: 1500 }] } }), at('y', { desiredState: { interfaces: [{ name: 'eth0', mtu: 1500 }] } })]);
  assert.equal(same.conflicts, []);
  assert.is(same.state.interfaces![0]!.mtu, 1500);
});

test('fleetnet.io/match resolves against the host inventory; no match is reported, not applied', () => {
  const c = compileHost(facts, [at('nic', { desiredState: { interfaces: [
    { name: 'fast', type: 'ethernet', 'fleetnet.io/match': { 'vendor-id': '15b3', 'device-id': '1017' }, mtu: 9000 },
    { name: 'gone', type: 'ethernet', 'fleetnet.io/match': { 'vendor-id': 'ffff' }, mtu: 9000 },
  ] } })]);
  assert.equal(c.state.interfaces!.map((i) => i.name), ['ens5', 'ens6']);
  assert.is(c.unresolved.length, 1);
  assert.match(c.unresolved[0]!.message, /vendor-id=ffff/);
});

test('content hash: equal content is equal hash whatever the policy order; probes and enforce count', () => {
  const p1 = at('p1', { desiredState: { interfaces: [{ name: 'eth0', mtu: 1500 }] } });
  const p2 = at('p2', { desiredState: { routes: { config: [{ destination: '0.0.0.0/0', 'next-hop-address': '10.0.0.1' }] } }, probes: { gateway: true }, enforce: true });
  assert.is(compileHost(facts, [p1, p2]).contentHash, compileHost(facts, [p2, p1]).contentHash);
  assert.is.not(compileHost(facts, [p1]).contentHash, compileHost(facts, [p1, p2]).contentHash);
  const c = compileHost(facts, [p1, p2]);
  assert.equal(c.probes, { gateway: true });
  assert.is(c.enforce, true);
  assert.is(compileHost(facts, [p1]).enforce, undefined);
});

test('changes: desired vs desired, and desired vs actual (only what desired names)', () => {
  const from = { interfaces: [{ name: 'eth0', mtu: 1500 }, { name: 'old', mtu: 1500 }] };
  const to = { interfaces: [{ name: 'eth0', mtu: 9000 }, { name: 'new', mtu: 1400 }], 'dns-resolver': { config: { server: ['1.1.1.1'] } } };
  assert.equal(desiredChanges(from, to), [
    { op: 'modify', path: 'interfaces[eth0].mtu', from: 1500, to: 9000 },
    { op: 'add', path: 'interfaces[new]', to: { name: 'new', mtu: 1400 } },
    { op: 'remove', path: 'interfaces[old]', from: { name: 'old', mtu: 1500 } },
    { op: 'add', path: 'dns-resolver.server', to: ['1.1.1.1'] },
  ]);
  const actual = { interfaces: [{ name: 'eth0', mtu: 9000, 'mac-address': '02:00:00:00:00:01' }, { name: 'lo', mtu: 65536 }] };
  assert.equal(actualChanges({ interfaces: [{ name: 'eth0', mtu: 9000 }] }, actual), []);
  assert.equal(actualChanges({ interfaces: [{ name: 'lo', state: 'absent' }, { name: 'x', mtu: 1 }] }, actual).map((c) => `${c.op} ${c.path}`), ['remove interfaces[lo]', 'add interfaces[x]']);
});

test.run();
