import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { NetworkState } from '@fleetnet/contracts';
import { createNetns, type Netns } from '../../../test/support/netns.ts';
import { addrs, agentIn, link, links, routes, type TestAgent } from './helpers.ts';

let ns: Netns;
let t: TestAgent;

test.before(() => {
  ns = createNetns('br');
  t = agentIn(ns);
});
test.after(() => {
  t.cleanup();
  ns.remove();
});

const bridgeState = (mtu: number, v4: string): NetworkState => ({
  interfaces: [
    {
      name: 'br0', type: 'linux-bridge', state: 'up', mtu,
      bridge: { options: { stp: { enabled: true } }, port: [{ name: 'v0' }, { name: 'v1' }] },
      ipv4: { enabled: true, address: [{ ip: v4, 'prefix-length': 24 }] },
      ipv6: { enabled: true, address: [{ ip: '2001:db8:1::1', 'prefix-length': 64 }] },
    },
    { name: 'v0', type: 'veth', veth: { peer: 'v0p' }, mtu, state: 'up' },
    { name: 'v1', type: 'veth', veth: { peer: 'v1p' }, mtu, state: 'up' },
  ],
  routes: {
    config: [
      { destination: '10.20.0.0/16', 'next-hop-address': '10.1.0.254', 'next-hop-interface': 'br0' },
      { destination: '2001:db8:20::/48', 'next-hop-address': '2001:db8:1::fe', 'next-hop-interface': 'br0' },
    ],
  },
});

test('linux bridge with two veth ports, STP, MTU 9000, IPv4+IPv6, two routes: created and read back from the kernel', async () => {
  const r = await t.agent.apply(bridgeState(9000, '10.1.0.1'), { probes: { gateway: false } });
  assert.is(r.phase, 'Applied', r.error?.message);
  assert.ok(r.comparison.inSync);
  const br = link(ns, 'br0');
  assert.is(br.linkinfo.info_kind, 'bridge');
  assert.is(br.linkinfo.info_data.stp_state, 1);
  assert.is(br.mtu, 9000);
  assert.ok(br.flags.includes('UP'));
  for (const p of ['v0', 'v1']) {
    const l = link(ns, p);
    assert.is(l.master, 'br0', `${p} is a port of br0`);
    assert.is(l.mtu, 9000, `${p} mtu`);
  }
  assert.equal(addrs(ns, 'br0'), ['10.1.0.1/24', '2001:db8:1::1/64']);
  assert.equal(routes(ns, '-4'), ['10.20.0.0/16 via 10.1.0.254 dev br0']);
  assert.equal(routes(ns, '-6'), ['2001:db8:20::/48 via 2001:db8:1::fe dev br0']);
});

test('applying the same state twice: the second plan is empty', async () => {
  const p = await t.agent.plan(bridgeState(9000, '10.1.0.1'));
  assert.equal(p.errors, []);
  assert.equal(p.operations.map((o) => o.description), []);
  const r = await t.agent.apply(bridgeState(9000, '10.1.0.1'), { probes: { gateway: false } });
  assert.is(r.phase, 'Applied');
  assert.is(r.operations.length, 0);
});

test('MTU and one address change: only those operations, verified in the kernel', async () => {
  const r = await t.agent.apply(bridgeState(1400, '10.1.0.2'), { probes: { gateway: false } });
  assert.is(r.phase, 'Applied', r.error?.message);
  const lines = r.operations.map((o) => o.description);
  assert.ok(lines.includes('ip addr del 10.1.0.1/24 dev br0'), lines.join('\n'));
  assert.ok(lines.includes('ip addr add 10.1.0.2/24 dev br0'));
  assert.not.ok(lines.some((l) => l.includes('link add')), 'nothing re-created');
  for (const p of ['br0', 'v0', 'v1']) assert.is(link(ns, p).mtu, 1400, `${p} mtu`);
  assert.equal(addrs(ns, 'br0'), ['10.1.0.2/24', '2001:db8:1::1/64']);
  // the IPv4 route went away with the address its gateway was reached through, and was put back
  assert.equal(routes(ns, '-4'), ['10.20.0.0/16 via 10.1.0.254 dev br0']);
});

test('CLI: show -o json br0 prints the actual state of the named interface and its routes', () => {
  const bin = new URL('../bin/fleetnet-agent.js', import.meta.url).pathname;
  const r = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, bin, '--state-dir', t.stateDir, '--sysfs-root', join(t.dir, 'sys'),
    '--resolv-conf', join(t.dir, 'resolv.conf'), '--ovs-db', `unix:${t.dir}/no-ovs.sock`, 'show', '-o', 'json', 'br0'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as NetworkState;
  assert.equal(s.interfaces!.map((i) => i.name), ['br0']);
  assert.is(s.interfaces![0]!.mtu, 1400);
  assert.equal(s.interfaces![0]!.bridge!.port!.map((p) => p.name).sort(), ['v0', 'v1']);
  assert.ok(s.routes!.config!.some((x) => x.destination === '10.20.0.0/16'));
  // every command is logged with argv, exit code and duration (JSON lines on stderr)
  const logged = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((l) => l.msg === 'command');
  assert.ok(logged.some((l) => l.argv.join(' ') === 'ip -j -d link show' && l.exitCode === 0 && typeof l.durationMs === 'number'), r.stderr);
});

test('CLI as a child process: apply -f removes the bridge (state: absent), exit 0, table printed', () => {
  const file = join(t.dir, 'remove.yaml');
  writeFileSync(file, 'interfaces:\n  - name: br0\n    state: absent\n  - name: v0\n    state: absent\n  - name: v1\n    state: absent\n');
  const bin = new URL('../bin/fleetnet-agent.js', import.meta.url).pathname;
  const r = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, bin, '--state-dir', t.stateDir, '--sysfs-root', join(t.dir, 'sys'),
    '--resolv-conf', join(t.dir, 'resolv.conf'), '--ovs-db', `unix:${t.dir}/no-ovs.sock`, '--log-level', 'silent', 'apply', '-f', file], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /ip link del br0/);
  assert.match(r.stdout, /interfaces\[br0\]\s+present\s+false\s+false\s+yes/);
  assert.match(r.stdout, /in sync: yes/);
  const names = links(ns);
  for (const n of ['br0', 'v0', 'v0p', 'v1', 'v1p']) assert.not.ok(names.includes(n), `${n} removed`);
  assert.equal(routes(ns, '-4'), []);
});

test('CLI: a bad file is rejected with file:line:col and exit 2', () => {
  const file = join(t.dir, 'bad.yaml');
  writeFileSync(file, 'interfaces:\n  - name: br1\n    type: linux-bridge\n    mtu: 12\n');
  const bin = new URL('../bin/fleetnet-agent.js', import.meta.url).pathname;
  const r = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, bin, '--state-dir', t.stateDir, 'plan', '-f', file], { encoding: 'utf8' });
  assert.is(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /bad\.yaml:4:\d+: interfaces\[0\]\.mtu: must be at least 68/);
  assert.is(r.stdout, '');
});

test.run();
