/**
 * nmstate's `identifier: mac-address` at compile: resolved against the hello's NIC inventory, so two
 * policies naming one NIC differently (by MAC, by kernel name) merge into one entry; a MAC the
 * inventory lacks is passed on for the agent to resolve or refuse.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostNetworkPolicy } from '@fleetnet/contracts';
import { compileHost, type PolicyAt } from '../src/compile.ts';

const at = (name: string, spec: Partial<HostNetworkPolicy['spec']>): PolicyAt => ({
  name, revision: 1,
  policy: { apiVersion: 'fleetnet.io/v1', kind: 'HostNetworkPolicy', metadata: { name }, spec: { desiredState: {}, ...spec } as HostNetworkPolicy['spec'] },
});
const facts = {
  nics: [{ name: 'ens3', mac: '52:54:00:f6:80:01' }, { name: 'ens4', mac: '52:54:00:f6:80:02' }],
  kernel: { release: '6', capabilities: { bond: true, vlan: true, dummy: true, macvlan: true, vxlan: true, ovs: false } },
};

test('a NIC named by MAC in one policy and by kernel name in another is one interface', () => {
  const c = compileHost(facts, [
    at('by-mac', { desiredState: { interfaces: [{ name: 'uplink', 'profile-name': 'uplink', identifier: 'mac-address', 'mac-address': '52:54:00:F6:80:02', mtu: 9000 }] } }),
    at('by-name', { desiredState: { interfaces: [{ name: 'ens4', state: 'up' }] } }),
  ]);
  assert.equal(c.unresolved, []);
  assert.equal(c.state.interfaces, [{ name: 'ens4', 'mac-address': '52:54:00:F6:80:02', mtu: 9000, state: 'up' }]);
});

test('a MAC the inventory does not list is left for the agent (which refuses it if no link has it)', () => {
  const entry = { name: 'eth9', identifier: 'mac-address' as const, 'mac-address': '52:54:00:00:00:09', mtu: 1400 };
  const c = compileHost(facts, [at('p', { desiredState: { interfaces: [entry] } })]);
  assert.equal(c.unresolved, []);
  assert.equal(c.state.interfaces, [{ ...entry }]);
});

test('two NICs with the MAC: unresolved, naming both', () => {
  const twins = { ...facts, nics: [...facts.nics, { name: 'ens5', mac: '52:54:00:f6:80:01' }] };
  const c = compileHost(twins, [at('p', { desiredState: { interfaces: [{ name: 'x', identifier: 'mac-address', 'mac-address': '52:54:00:f6:80:01' }] } })]);
  assert.equal(c.unresolved.map((u) => [u.policy, u.path]), [['p', 'spec.desiredState.interfaces[0].mac-address']]);
  assert.match(c.unresolved[0]!.message, 'several NICs have MAC 52:54:00:f6:80:01 (ens3, ens5)');
});

test.run();
