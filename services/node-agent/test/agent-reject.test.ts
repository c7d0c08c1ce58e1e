import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createNetns, type Netns } from '../../../test/support/netns.ts';
import { agentIn, settled, snapshot, type TestAgent } from './helpers.ts';

let ns: Netns;
let t: TestAgent;
let before: string;

test.before(async () => {
  ns = createNetns('rej');
  t = agentIn(ns);
  ns.ip('link', 'add', 'e0', 'type', 'veth', 'peer', 'name', 'e0p');
  ns.ip('addr', 'add', '10.10.0.1/24', 'dev', 'e0');
  ns.ip('link', 'set', 'e0', 'up');
  await settled(ns);
  before = snapshot(ns);
});
test.after(() => {
  t.cleanup();
  ns.remove();
});

const ok = { name: 'fine0', type: 'veth', veth: { peer: 'fine0p' } };

/** [what is wrong, desired state, the error must say] — each also carries a valid interface, which must not be created either. */
const BAD: [string, unknown, RegExp][] = [
  ['MTU below 68', { interfaces: [ok, { name: 'e0', mtu: 12 }] }, /interfaces\[1\]\.mtu: must be at least 68/],
  ['unknown field', { interfaces: [ok, { name: 'e0', colour: 'red' }] }, /unknown field "colour"/],
  ['unknown interface type', { interfaces: [ok, { name: 'w0', type: 'wifi' }] }, /interfaces\[1\]\.type: must be one of/],
  ['malformed IPv4 address', { interfaces: [ok, { name: 'e0', ipv4: { address: [{ ip: '10.0.0.300', 'prefix-length': 24 }] } }] }, /"10\.0\.0\.300" is not an IPv4 address/],
  ['IPv6 address in the ipv4 section', { interfaces: [ok, { name: 'e0', ipv4: { address: [{ ip: '2001:db8::1', 'prefix-length': 64 }] } }] }, /is an IPv6 address in the ipv4 section/],
  ['IPv4 prefix longer than 32', { interfaces: [ok, { name: 'e0', ipv4: { address: [{ ip: '10.0.0.1', 'prefix-length': 33 }] } }] }, /must be at most 32 for IPv4/],
  ['duplicate interface', { interfaces: [ok, { name: 'e0', mtu: 1400 }, { name: 'e0', mtu: 1500 }] }, /duplicate interface "e0"/],
  ['VLAN id out of range', { interfaces: [ok, { name: 'e0.1', type: 'vlan', vlan: { 'base-iface': 'e0', id: 5000 } }] }, /vlan\.id: must be at most 4094/],
  ['route with host bits set', { interfaces: [ok], routes: { config: [{ destination: '10.0.0.1/8', 'next-hop-interface': 'e0' }] } }, /host bits set/],
  ['route without next hop', { interfaces: [ok], routes: { config: [{ destination: '10.20.0.0/16' }] } }, /needs next-hop-address or next-hop-interface/],
  ['IPv6 next hop for an IPv4 route', { interfaces: [ok], routes: { config: [{ destination: '10.20.0.0/16', 'next-hop-address': '2001:db8::1' }] } }, /IPv6 next hop for an IPv4 destination/],
  ['DNS server not an address', { interfaces: [ok], 'dns-resolver': { config: { server: ['dns.example'] } } }, /"dns\.example" is not an IP address/],
  ['malformed MAC address', { interfaces: [ok, { name: 'e0', 'mac-address': 'zz:00:00:00:00:01' }] }, /mac-address/],
  ['interface name longer than 15', { interfaces: [ok, { name: 'a-very-long-name0', type: 'veth', veth: { peer: 'x' } }] }, /interfaces\[1\]\.name/],
  ['section of another type', { interfaces: [ok, { name: 'b0', type: 'linux-bridge', macvlan: { 'base-iface': 'e0', mode: 'bridge' } }] }, /only valid for type macvlan/],
  ['missing interface without a type', { interfaces: [ok, { name: 'ghost0', mtu: 1400 }] }, /interfaces\[1\]: interface "ghost0" does not exist; set "type" to create it/],
  ['RA routes in another table', { interfaces: [ok, { name: 'e0', ipv6: { autoconf: true, enabled: true, 'auto-route-table-id': 200 } }] }, /interfaces\[1\]\.ipv6\.auto-route-table-id: cannot be used with autoconf/],
  ['RA route metric', { interfaces: [ok, { name: 'e0', ipv6: { autoconf: true, enabled: true, dhcp: true, 'auto-route-metric': 50 } }] }, /interfaces\[1\]\.ipv6\.auto-route-metric: cannot be used with autoconf/],
  ['bridge port that does not exist', { interfaces: [ok, { name: 'br0', type: 'linux-bridge', bridge: { port: [{ name: 'nope0' }] } }] }, /bridge\.port: "nope0" does not exist and this state does not create it/],
  ['macvlan on a missing lower device', { interfaces: [ok, { name: 'mv0', type: 'macvlan', macvlan: { 'base-iface': 'nope1', mode: 'bridge' } }] }, /macvlan\.base-iface: "nope1" does not exist/],
  ['loopback turned into a bridge', { interfaces: [ok, { name: 'lo', type: 'linux-bridge' }] }, /"lo" is a loopback interface; it cannot become linux-bridge/],
  ['loopback removed', { interfaces: [ok, { name: 'lo', state: 'absent' }] }, /cannot remove loopback interface "lo"/],
  ['route through a missing interface', { interfaces: [ok], routes: { config: [{ destination: '10.30.0.0/16', 'next-hop-interface': 'nope2' }] } }, /routes\.config\[0\]\.next-hop-interface: interface "nope2" does not exist/],
  ['veth peer name taken', { interfaces: [ok, { name: 'x0', type: 'veth', veth: { peer: 'e0' } }] }, /its peer name "e0" is already taken/],
  ['type that cannot be created', { interfaces: [ok, { name: 'tap0', type: 'tun' }] }, /interfaces of type tun cannot be created/],
];

test(`${BAD.length} bad desired states are rejected before anything runs, each with a clear error`, async () => {
  assert.ok(BAD.length >= 20);
  for (const [what, desired, message] of BAD) {
    const r = await t.agent.apply(desired as never, { probes: { gateway: false } });
    assert.is(r.phase, 'Failed', what);
    assert.is(r.executed, 0, what);
    assert.ok(r.error, what);
    assert.match(r.error!.message, message, `${what}: ${r.error!.message}`);
    assert.not.ok(existsSync(join(t.stateDir, 'checkpoint.json')), `${what}: no checkpoint written`);
    assert.is(snapshot(ns), before, `${what}: nothing changed`);
  }
});

test('plan() of a schema-invalid state throws with every error', async () => {
  try {
    await t.agent.plan({ interfaces: [{ name: 'e0', mtu: 12 }, { name: 'e0p', mtu: 70000 }] } as never);
    assert.unreachable('should throw');
  } catch (e) {
    assert.match((e as Error).message, /interfaces\[0\]\.mtu: must be at least 68/);
    assert.match((e as Error).message, /interfaces\[1\]\.mtu: must be at most 65536/);
  }
});

test.run();
