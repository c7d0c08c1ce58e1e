/**
 * nmstate's route-rules (ip-from, ip-to, priority, route-table, fwmark/fwmask, iif, action,
 * suppress-prefix-length, family; wildcard absent) and per-interface ipv4.forwarding, in a real
 * network namespace; read back from the kernel by the test, in sync, and rolled back on failure.
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
  ns = createNetns('nmrr');
  ns.ip('link', 'add', 'q1', 'type', 'veth', 'peer', 'name', 'q1p');
  for (const l of ['q1', 'q1p']) ns.ip('link', 'set', l, 'up');
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

const rules4 = () => (ns.ipJson('-4', 'rule', 'show') as any[]).filter((r) => ![0, 32766, 32767].includes(r.priority));
const rules6 = () => (ns.ipJson('-6', 'rule', 'show') as any[]).filter((r) => ![0, 32766].includes(r.priority));

test('rules in nmstate spelling are added, read back and in sync (IPv4 and IPv6, auto priority)', async () => {
  await applyOk({
    'route-rules': {
      config: [
        { 'ip-from': '192.0.2.0/24', 'ip-to': '198.51.100.0/24', priority: 1000, 'route-table': 100, fwmark: '0x30', fwmask: '0x10' },
        { 'ip-from': '2001:db8::/64', priority: 1001, 'route-table': 100 },
        { family: 'ipv4', iif: 'q1', priority: 1002, action: 'blackhole' },
        { family: 'ipv4', priority: 1003, 'route-table': 254, 'suppress-prefix-length': 0 },
        { 'ip-to': '203.0.113.7' },
      ],
    },
  });
  const r4 = rules4();
  const p = (n: number) => r4.find((r) => r.priority === n);
  assert.equal([p(1000)?.src, p(1000)?.srclen, p(1000)?.dst, p(1000)?.fwmark, p(1000)?.fwmask, p(1000)?.table], ['192.0.2.0', 24, '198.51.100.0', '0x30', '0x10', '100']);
  assert.equal([p(1002)?.iif, p(1002)?.action], ['q1', 'blackhole']);
  assert.equal([p(1003)?.table, p(1003)?.suppress_prefixlen], ['main', 0]);
  // no priority given: nmstate's next free one from 30000
  assert.equal([p(30000)?.dst, p(30000)?.table], ['203.0.113.7', 'main']);
  assert.equal(rules6().map((r) => [r.priority, r.src, r.srclen, r.table]), [[1001, '2001:db8::', 64, '100']]);
  const again = await t.agent.plan({ 'route-rules': { config: [{ 'ip-to': '203.0.113.7' }, { 'ip-from': '2001:db8::/64', priority: 1001, 'route-table': 100 }] } });
  assert.equal(again.operations, [], 'a second apply has nothing to do');
});

test('a wildcard absent rule removes every rule it matches, never the kernel\'s own', async () => {
  await applyOk({ 'route-rules': { config: [{ 'route-table': 100, state: 'absent' }] } });
  assert.equal(rules4().map((r) => r.priority).sort(), [1002, 1003, 30000]);
  assert.equal(rules6(), []);
  await applyOk({ 'route-rules': { config: [{ 'route-table': 254, state: 'absent' }] } });
  assert.equal(rules4().map((r) => r.priority), [1002]);
  const defaults = (ns.ipJson('-4', 'rule', 'show') as any[]).map((r) => r.priority);
  assert.ok(defaults.includes(32766), 'the kernel\'s main lookup stays');
  await applyOk({ 'route-rules': { config: [{ iif: 'q1', state: 'absent' }] } });
  assert.equal(rules4(), []);
});

test('ipv4.forwarding per interface: set, read back, in sync, switched off again', async () => {
  const fwd = (n: string) => ns.exec('sysctl', ['-n', `net.ipv4.conf.${n}.forwarding`]).trim();
  assert.is(fwd('q1'), '0');
  await applyOk({ interfaces: [{ name: 'q1', ipv4: { forwarding: true } }] });
  assert.is(fwd('q1'), '1');
  assert.is(fwd('q1p'), '0', 'only the named interface');
  const read = await t.agent.read();
  assert.is(read.interfaces?.find((i) => i.name === 'q1')?.ipv4?.forwarding, true);
  await applyOk({ interfaces: [{ name: 'q1', ipv4: { forwarding: false } }] });
  assert.is(fwd('q1'), '0');
});

test('a failed apply rolls rules and forwarding back', async () => {
  const before = { rules: rules4(), fwd: ns.exec('sysctl', ['-n', 'net.ipv4.conf.q1.forwarding']).trim() };
  const r = await t.agent.apply({
    interfaces: [{ name: 'q1', ipv4: { forwarding: true } }],
    'route-rules': { config: [{ 'ip-from': '192.0.2.0/24', priority: 2000, 'route-table': 100 }] },
    // a route through an interface that does not exist: the kernel refuses it after the rule went in
    routes: { config: [{ destination: '198.51.100.0/24', 'next-hop-address': '10.255.255.1' }] },
  });
  assert.is(r.phase, 'RolledBack', JSON.stringify(r.error));
  assert.equal(rules4(), before.rules);
  assert.is(ns.exec('sysctl', ['-n', 'net.ipv4.conf.q1.forwarding']).trim(), before.fwd);
});

test('refused by validation: fwmask without fwmark, mixed families, a kernel priority', async () => {
  const v = validateNetworkState({
    'route-rules': {
      config: [
        { 'ip-from': '192.0.2.0/24', fwmask: 16, 'route-table': 100 },
        { 'ip-from': '192.0.2.0/24', 'ip-to': '2001:db8::/64' },
        { 'ip-from': '192.0.2.0/24', priority: 32766 },
        { 'route-table': 100 },
      ],
    },
  });
  assert.ok(!v.ok);
  assert.equal(v.errors.map((e) => `${e.path}: ${e.message}`), [
    'route-rules.config[0].fwmask: fwmask needs fwmark',
    'route-rules.config[1].ip-to: IPv6 ip-to with an IPv4 ip-from',
    'route-rules.config[2].priority: priority 32766 belongs to one of the kernel\'s own rules (local, main, default)',
    'route-rules.config[3]: a rule needs ip-from, ip-to or family',
  ]);
});

test('an agent driving a namespace from outside refuses to set the hostname (it would rename the machine)', async () => {
  const r = await t.agent.apply({ hostname: { running: 'never-this-machine' } });
  assert.is(r.phase, 'Failed');
  assert.is(r.executed, 0);
  assert.match(r.error?.message ?? '', /hostname: cannot be set by an agent driving a network namespace from outside/);
  const c = await t.agent.apply({ hostname: { config: 'never-this-file' } });
  assert.is(c.executed, 0, 'nor the static hostname file');
  assert.is((await t.agent.read()).hostname, undefined, 'and the machine\'s hostname is not reported as the namespace\'s');
});

test.run();
