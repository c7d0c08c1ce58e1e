/**
 * nmstate's interface identity and link keys on a real network namespace: `accept-all-mac-addresses`
 * (promiscuous mode) set, read back and rolled back; `identifier: mac-address` resolved to the link
 * that has the MAC (the name only a label); a MAC nobody has refused with nothing changed; an LLDP
 * `enabled: false` in sync (no other LLDP agent runs; fleetnet's own lldpd: lldp.test.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNetns, type Netns } from '../../../test/support/netns.ts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lldpAgentRunning, withLldp } from '../src/linux/lldp.ts';
import { agentIn, link, snapshot, type TestAgent } from './helpers.ts';

let ns: Netns;
let t: TestAgent;
const NO_PROBES = { probes: { gateway: false } } as const;
const promisc = (name: string) => (link(ns, name).flags as string[]).includes('PROMISC');

test.before(() => {
  ns = createNetns('ident');
  t = agentIn(ns);
  ns.ip('link', 'add', 'nic0', 'address', '02:00:5e:10:00:01', 'type', 'veth', 'peer', 'name', 'nic0p');
  ns.ip('link', 'add', 'nic1', 'address', '02:00:5e:10:00:02', 'type', 'veth', 'peer', 'name', 'nic1p');
});
test.after(() => {
  t.cleanup();
  ns.remove();
});

test('accept-all-mac-addresses: true puts the link in promiscuous mode, reported and in sync; false takes it out', async () => {
  assert.not.ok(promisc('nic0'));
  const on = await t.agent.apply({ interfaces: [{ name: 'nic0', 'accept-all-mac-addresses': true }] }, NO_PROBES);
  assert.is(on.phase, 'Applied', on.error?.message);
  assert.ok(promisc('nic0'), 'the kernel has the PROMISC flag');
  assert.ok(on.comparison.results.some((r) => r.path.endsWith('accept-all-mac-addresses') && r.inSync));
  const read = await t.agent.read();
  assert.is(read.interfaces?.find((i) => i.name === 'nic0')?.['accept-all-mac-addresses'], true);
  assert.is(read.interfaces?.find((i) => i.name === 'nic1')?.['accept-all-mac-addresses'], undefined, 'off is not reported');
  const off = await t.agent.apply({ interfaces: [{ name: 'nic0', 'accept-all-mac-addresses': false }] }, NO_PROBES);
  assert.is(off.phase, 'Applied', off.error?.message);
  assert.not.ok(promisc('nic0'));
  assert.is(off.comparison.inSync, true);
});

test('a failed apply rolls promiscuous mode back to off (the checkpoint restores what is not reported)', async () => {
  const before = snapshot(ns);
  // valid for the schema, too big for a veth (65535): the kernel refuses it in the same batch, after nic0 went promiscuous
  const r = await t.agent.apply({ interfaces: [{ name: 'nic0', 'accept-all-mac-addresses': true }, { name: 'nic1', mtu: 65536 }] }, NO_PROBES);
  assert.is.not(r.phase, 'Applied');
  assert.is(r.phase, 'RolledBack', r.error?.message);
  assert.ok(r.executed > 0, 'it got as far as running something');
  assert.not.ok(promisc('nic1'));
  assert.not.ok(promisc('nic0'));
  assert.is(snapshot(ns), before);
});

test('identifier: mac-address applies to the link with that MAC, whatever the document calls it', async () => {
  const r = await t.agent.apply({
    interfaces: [{ name: 'uplink', 'profile-name': 'Wired connection 1', identifier: 'mac-address', 'mac-address': '02:00:5E:10:00:02', mtu: 1400, state: 'up' }],
  }, NO_PROBES);
  assert.is(r.phase, 'Applied', r.error?.message);
  assert.is(link(ns, 'nic1').mtu, 1400);
  assert.is(link(ns, 'nic0').mtu, 1500, 'the other NIC is untouched');
  assert.ok(r.comparison.inSync);
  assert.ok(r.comparison.results.every((x) => x.path.includes('nic1')), JSON.stringify(r.comparison.results.map((x) => x.path)));
  const plan = await t.agent.plan({ interfaces: [{ name: 'uplink', identifier: 'mac-address', 'mac-address': '02:00:5e:10:00:02', mtu: 1400 }] });
  assert.is(plan.operations.length, 0, 'in sync: nothing to do');
});

test('identifier: mac-address with a MAC no NIC has: refused naming the MAC, nothing changed', async () => {
  const before = snapshot(ns);
  const r = await t.agent.apply({ interfaces: [{ name: 'nic0', identifier: 'mac-address', 'mac-address': '02:00:5e:10:00:99', mtu: 1300 }] }, NO_PROBES);
  assert.is(r.phase, 'Failed');
  assert.match(r.error?.message ?? '', 'interfaces[0].mac-address: no NIC on this host has MAC 02:00:5e:10:00:99 (identifier: mac-address)');
  assert.is(r.executed, 0);
  assert.is(snapshot(ns), before);
  const planned = await t.agent.plan({ interfaces: [{ name: 'x', identifier: 'mac-address', 'mac-address': '02:00:5e:10:00:99' }] }).then(() => 'planned', (e: Error) => e.message);
  assert.match(planned, 'no NIC on this host has MAC 02:00:5e:10:00:99');
});

test('lldp: {enabled: false} is in sync when no LLDP agent runs', async () => {
  if (lldpAgentRunning()) {
    console.log('SKIP lldp: an LLDP agent runs on this machine (its ports have LLDP on)');
    return;
  }
  const r = await t.agent.apply({ interfaces: [{ name: 'nic0', lldp: { enabled: false } }] }, NO_PROBES);
  assert.is(r.phase, 'Applied', r.error?.message);
  assert.is(r.executed, 0);
  assert.ok(r.comparison.results.some((x) => x.path.endsWith('lldp.enabled') && x.inSync && x.expected === false && x.actual === false));
});

test('an LLDP agent in the process table turns ethernet ports to lldp enabled: true in the report (a /proc of our own)', () => {
  const proc = mkdtempSync(join(tmpdir(), 'fleetnet-proc-'));
  try {
    for (const [pid, comm] of [['1', 'init'], ['42', 'sshd'], ['self', 'x']] as const) {
      mkdirSync(join(proc, pid));
      writeFileSync(join(proc, pid, 'comm'), `${comm}\n`);
    }
    assert.not.ok(lldpAgentRunning(proc));
    mkdirSync(join(proc, '77'));
    writeFileSync(join(proc, '77', 'comm'), 'lldpd\n');
    assert.ok(lldpAgentRunning(proc));
    assert.not.ok(lldpAgentRunning(join(proc, 'missing')), 'no /proc: nothing known to run');
  } finally {
    rmSync(proc, { recursive: true, force: true });
  }
  const state = { interfaces: [{ name: 'eth0', type: 'ethernet' as const }, { name: 'br0', type: 'linux-bridge' as const }] };
  assert.equal(withLldp(state, false), state);
  assert.equal(withLldp(state, true).interfaces, [{ name: 'eth0', type: 'ethernet', lldp: { enabled: true } }, { name: 'br0', type: 'linux-bridge' }]);
});

test.run();
