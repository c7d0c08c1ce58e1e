/**
 * nmstate's route keys in a real network namespace: source, route-type, cwnd (locked), and the
 * wildcard `state: absent` that names only what to match. Each change is read back from the kernel
 * by the test itself and must end in sync.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NetworkState } from '@fleetnet/contracts';
import { validateNetworkState } from '@fleetnet/contracts';
import { createNetns, type Netns } from '../support/netns.ts';
import { agentIn, type TestAgent } from '../../services/node-agent/test/helpers.ts';

let ns: Netns;
let t: TestAgent;

test.before(() => {
  ns = createNetns('nmr');
  ns.ip('link', 'add', 'r1', 'type', 'veth', 'peer', 'name', 'r1p');
  for (const l of ['r1', 'r1p']) ns.ip('link', 'set', l, 'up');
  t = agentIn(ns);
});
test.after(() => {
  t?.cleanup();
  ns?.remove();
});

async function applyOk(doc: unknown) {
  const v = validateNetworkState(doc);
  assert.ok(v.ok, JSON.stringify(!v.ok && v.errors));
  const r = await t.agent.apply(doc as NetworkState);
  assert.is(r.phase, 'Applied', JSON.stringify(r.error));
  assert.ok(r.comparison.inSync, JSON.stringify(r.comparison.results.filter((x) => !x.inSync)));
  return r;
}

const text = (...args: string[]) => ns.ip(...args);

test('source, cwnd (locked) and blackhole routes are set, read back and in sync', async () => {
  await applyOk({
    interfaces: [{ name: 'r1', type: 'veth', state: 'up', ipv4: { enabled: true, address: [{ ip: '192.0.2.1', 'prefix-length': 24 }] } }],
    routes: {
      config: [
        { destination: '198.51.100.0/24', 'next-hop-interface': 'r1', 'next-hop-address': '192.0.2.254', source: '192.0.2.1', metric: 150, 'table-id': 100, cwnd: 20 },
        { destination: '198.51.101.0/24', 'route-type': 'blackhole', 'table-id': 100 },
        { destination: '198.51.102.0/24', 'route-type': 'unreachable' },
        { destination: '198.51.103.0/24', 'route-type': 'prohibit' },
      ],
    },
  });
  const t100 = text('route', 'show', 'table', '100');
  assert.match(t100, /198\.51\.100\.0\/24 via 192\.0\.2\.254 dev r1 .*src 192\.0\.2\.1 .*metric 150 .*cwnd lock 20/);
  assert.match(t100, /blackhole 198\.51\.101\.0\/24/);
  const main = text('route', 'show');
  assert.match(main, /unreachable 198\.51\.102\.0\/24/);
  assert.match(main, /prohibit 198\.51\.103\.0\/24/);
  const read = (await t.agent.read()).routes?.config ?? [];
  const r = read.find((x) => x.destination === '198.51.100.0/24')!;
  assert.is(r.source, '192.0.2.1');
  assert.is(r.cwnd, 20);
  assert.is(read.find((x) => x.destination === '198.51.101.0/24')?.['route-type'], 'blackhole');
});

test('a cwnd set without lock is not the locked cwnd nmstate asks for: apply fixes it', async () => {
  ns.ip('route', 'replace', '198.51.100.0/24', 'via', '192.0.2.254', 'dev', 'r1', 'src', '192.0.2.1', 'metric', '150', 'table', '100', 'cwnd', '20');
  const before = await t.agent.plan({ routes: { config: [{ destination: '198.51.100.0/24', 'next-hop-interface': 'r1', 'table-id': 100, cwnd: 20 }] } });
  assert.is(before.operations.length, 1, 'one route replace');
  await applyOk({ routes: { config: [{ destination: '198.51.100.0/24', 'next-hop-interface': 'r1', 'table-id': 100, cwnd: 20 }] } });
  assert.match(text('route', 'show', 'table', '100'), /cwnd lock 20/);
});

test('a wildcard absent route naming only the interface removes every route through it, in every table', async () => {
  ns.ip('route', 'add', '203.0.113.0/24', 'via', '192.0.2.253', 'dev', 'r1');
  await applyOk({ interfaces: [{ name: 'r1' }], routes: { config: [{ 'next-hop-interface': 'r1', state: 'absent' }] } });
  const left = [...(ns.ipJson('-4', 'route', 'show', 'table', 'all') as any[])].filter((r) => r.dev === 'r1' && r.protocol !== 'kernel' && r.table !== 'local');
  assert.equal(left, [], 'no route via r1 is left');
  // routes that go nowhere are not routes of r1: they stay
  assert.match(text('route', 'show', 'table', '100'), /blackhole 198\.51\.101\.0\/24/);
});

test('absent by route-type and table; a route the same state adds again is kept', async () => {
  ns.ip('route', 'add', '203.0.113.0/24', 'via', '192.0.2.253', 'dev', 'r1');
  await applyOk({
    routes: {
      config: [
        { 'route-type': 'blackhole', 'table-id': 100, state: 'absent' },
        { 'next-hop-interface': 'r1', state: 'absent' },
        { destination: '203.0.113.0/24', 'next-hop-interface': 'r1', 'next-hop-address': '192.0.2.253' },
      ],
    },
  });
  assert.not.match(text('route', 'show', 'table', '100'), /blackhole/);
  assert.match(text('route', 'show'), /203\.0\.113\.0\/24 via 192\.0\.2\.253 dev r1/);
});

test('refused before anything runs: a typed route with a gateway, a route without destination that is not absent', async () => {
  const bad = validateNetworkState({ routes: { config: [{ destination: '198.51.104.0/24', 'route-type': 'blackhole', 'next-hop-address': '192.0.2.254' }, { 'next-hop-interface': 'r1' }] } });
  assert.ok(!bad.ok);
  assert.equal(bad.errors.map((e) => `${e.path}: ${e.message}`), [
    'routes.config[0].next-hop-address: a blackhole route takes no next-hop-address',
    'routes.config[1].destination: is required (only a route with state: absent may leave it out, to match any destination)',
  ]);
  const all = validateNetworkState({ routes: { config: [{ state: 'absent' }] } });
  assert.ok(!all.ok);
  assert.match(all.errors[0]!.message, /must name something to match/);
});

test.run();
