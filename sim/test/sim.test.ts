/**
 * The `sim` backend: an in-memory host that honours the desired state schema, so that contracts'
 * `compare()` says "in sync" after an apply only when the state really is what was asked for.
 * The apply here is the same read → planAll → execute → read → compare an agent runs.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compare, type NetworkState } from '@fleetnet/contracts';
import { ExecutionError, nextCreated, planAll } from '@fleetnet/node-agent';
import { createSimBackend, type SimBackend } from '../src/index.ts';

async function apply(b: SimBackend, desired: NetworkState, created: Set<string> = new Set()) {
  const before = await b.read();
  const plan = planAll([b], desired, before, { created });
  if (plan.errors.length) return { plan, errors: plan.errors, comparison: compare(desired, before), created };
  await b.execute(plan.operations);
  const after = await b.read();
  return { plan, errors: [], comparison: compare(plan.desired, after), created: new Set(nextCreated(created, before, after, plan.desired)) };
}

const iface = (s: NetworkState, name: string) => s.interfaces?.find((i) => i.name === name);

test('a fresh sim host has lo and eth0..eth3, eth0 up with an address, a default route and DNS', async () => {
  const b = createSimBackend({ index: 7 });
  const s = await b.read();
  assert.equal(s.interfaces!.map((i) => i.name), ['eth0', 'eth1', 'eth2', 'eth3', 'lo']);
  assert.is(iface(s, 'eth0')!.state, 'up');
  assert.is(iface(s, 'eth1')!.state, 'down');
  assert.equal(iface(s, 'eth0')!.ipv4!.address, [{ ip: '10.0.0.7', 'prefix-length': 8 }]);
  assert.is(s.routes!.config![0]!['next-hop-address'], '10.0.0.1');
  assert.equal(s['dns-resolver']!.config!.server, ['10.0.0.53']);
  assert.equal(b.nics().map((n) => n.name), ['eth0', 'eth1', 'eth2', 'eth3']);
  assert.is(b.nics()[2]!.sriovTotalVfs, 8);
});

test('apply then read is in sync per compare(), and the plan is empty the second time', async () => {
  const b = createSimBackend({ index: 1 });
  const desired: NetworkState = {
    interfaces: [
      { name: 'eth1', state: 'up', mtu: 9000, ipv4: { enabled: true, address: [{ ip: '192.0.2.10', 'prefix-length': 24 }] } },
      { name: 'v0', type: 'veth', veth: { peer: 'v0p' }, mtu: 9000 },
      { name: 'br0', type: 'linux-bridge', bridge: { options: { stp: { enabled: false } }, port: [{ name: 'v0' }] }, ipv6: { enabled: true, address: [{ ip: '2001:db8::1', 'prefix-length': 64 }] } },
      { name: 'eth2', ethernet: { 'sr-iov': { 'total-vfs': 4, 'fleetnet.io/vf-driver': 'vfio-pci', vfs: [{ id: 1, 'vlan-id': 100, trust: true }] } } },
    ],
    routes: { config: [{ destination: '198.51.100.0/24', 'next-hop-address': '192.0.2.1', 'next-hop-interface': 'eth1' }] },
    'dns-resolver': { config: { server: ['192.0.2.53', '2001:db8::53'], search: ['example.org'] } },
  };
  const r = await apply(b, desired);
  assert.equal(r.errors, []);
  assert.ok(r.plan.operations.length >= 5, 'something was planned');
  assert.ok(r.comparison.inSync, JSON.stringify(r.comparison.results.filter((x) => !x.inSync)));
  // the results are real comparisons, not a blanket "true"
  const mtu = r.comparison.results.find((x) => x.path === 'interfaces[eth1].mtu')!;
  assert.equal({ expected: mtu.expected, actual: mtu.actual }, { expected: 9000, actual: 9000 });
  const after = await b.read();
  assert.is(iface(after, 'v0')!.controller, 'br0', 'the port knows its bridge');
  assert.ok(iface(after, 'v0p'), 'the veth peer exists');
  assert.is(iface(after, 'eth2')!.ethernet!['sr-iov']!.vfs!.length, 4);
  assert.ok(iface(after, 'br0')!.ipv6!.address!.some((a) => a.ip.startsWith('fe80:')), 'an up link has a link-local address');
  assert.equal([...r.created].sort(), ['br0', 'v0', 'v0p']);
  const again = planAll([b], desired, after, { created: r.created });
  assert.equal(again.operations, [], 'nothing left to do');
});

test('a host that differs is reported out of sync by compare()', async () => {
  const b = createSimBackend();
  const desired: NetworkState = { interfaces: [{ name: 'eth1', mtu: 9000 }] };
  const c = compare(desired, await b.read());
  assert.not.ok(c.inSync);
  assert.equal(c.results.map((x) => [x.path, x.expected, x.actual, x.inSync]), [['interfaces[eth1].mtu', 9000, 1500, false]]);
  // a change made behind the agent's back (drift) shows too
  await apply(b, desired);
  b.host.links.get('eth1')!.mtu = 1400;
  assert.not.ok(compare(desired, await b.read()).inSync);
});

test('state: absent removes (with the veth peer, bridge membership and routes over it)', async () => {
  const b = createSimBackend();
  const made = await apply(b, {
    interfaces: [
      { name: 'v0', type: 'veth', veth: { peer: 'v0p' }, ipv4: { address: [{ ip: '192.0.2.1', 'prefix-length': 24 }] } },
      { name: 'br0', type: 'linux-bridge', bridge: { port: [{ name: 'v0p' }] } },
    ],
    routes: { config: [{ destination: '203.0.113.0/24', 'next-hop-interface': 'v0' }] },
  });
  assert.ok(made.comparison.inSync);
  const desired: NetworkState = { interfaces: [{ name: 'v0', state: 'absent' }] };
  const r = await apply(b, desired, made.created);
  assert.ok(r.comparison.inSync, JSON.stringify(r.comparison.results));
  const s = await b.read();
  assert.not.ok(iface(s, 'v0'));
  assert.not.ok(iface(s, 'v0p'), 'the peer went with it');
  assert.not.ok(s.routes!.config!.some((x) => x['next-hop-interface'] === 'v0'), 'routes over it are gone');
  // br0 was created by fleetnet and is no longer named: planAll removes it too
  assert.not.ok(iface(s, 'br0'));
  const present = compare({ interfaces: [{ name: 'v0', state: 'absent' }] }, s).results[0]!;
  assert.equal([present.property, present.expected, present.actual], ['present', false, false]);
});

test('an absent route is removed; a default route is replaced, not duplicated', async () => {
  const b = createSimBackend({ index: 3 });
  let r = await apply(b, { routes: { config: [{ destination: '0.0.0.0/0', 'next-hop-address': '10.0.0.254', 'next-hop-interface': 'eth0' }] } });
  assert.ok(r.comparison.inSync, JSON.stringify(r.comparison.results));
  assert.is((await b.read()).routes!.config!.filter((x) => x.destination === '0.0.0.0/0').length, 1);
  r = await apply(b, { routes: { config: [{ destination: '0.0.0.0/0', 'next-hop-address': '10.0.0.254', state: 'absent' }] } });
  assert.ok(r.comparison.inSync);
  assert.is((await b.read()).routes!.config!.length, 0);
});

test('what cannot be reached is refused at plan time and nothing runs', async () => {
  const b = createSimBackend();
  const before = JSON.stringify(await b.read());
  const cases: [NetworkState, RegExp][] = [
    [{ interfaces: [{ name: 'eth9', type: 'ethernet' }] }, /no NIC named eth9/],
    [{ interfaces: [{ name: 'eth1', ipv4: { dhcp: true } }] }, /DHCP is not supported/],
    [{ interfaces: [{ name: 'eth0', state: 'absent' }] }, /physical NIC/],
    [{ interfaces: [{ name: 'eth0', ethernet: { 'sr-iov': { 'total-vfs': 2 } } }] }, /no SR-IOV/],
    [{ interfaces: [{ name: 'eth2', ethernet: { 'sr-iov': { 'total-vfs': 64 } } }] }, /at most 8 VFs/],
    [{ interfaces: [{ name: 'mv0', type: 'macvlan', macvlan: { 'base-iface': 'nope0', mode: 'bridge' } }] }, /needs nope0/],
    [{ routes: { config: [{ destination: '10.1.0.0/16', 'next-hop-interface': 'nope0' }] } }, /nope0 does not exist/],
  ];
  for (const [desired, message] of cases) {
    const r = await apply(b, desired);
    assert.ok(r.errors.some((e) => message.test(e.message)), `${JSON.stringify(desired)} → ${JSON.stringify(r.errors)}`);
    assert.equal(r.plan.operations, []);
  }
  assert.is(JSON.stringify(await b.read()), before, 'the host is untouched');
});

test('an injected failure stops execution at that operation; snapshot/restore puts the host back', async () => {
  const b = createSimBackend({ fail: (o) => (o.target === 'eth3' ? 'RTNETLINK answers: Device or resource busy' : undefined) });
  const desired: NetworkState = { interfaces: [{ name: 'eth1', mtu: 9000 }, { name: 'eth3', mtu: 9000 }] };
  const before = await b.read();
  const snap = b.host.snapshot();
  const plan = planAll([b], desired, before, { created: new Set() });
  const err = await b.execute(plan.operations).then(() => undefined, (e: unknown) => e);
  assert.instance(err, ExecutionError);
  assert.is((err as ExecutionError).operation?.target, 'eth3');
  assert.match((err as ExecutionError).stderr, /busy/);
  assert.is(iface(await b.read(), 'eth1')!.mtu, 9000, 'the operations before it ran');
  b.host.restore(snap);
  assert.equal(await b.read(), before);
});

test.run();
