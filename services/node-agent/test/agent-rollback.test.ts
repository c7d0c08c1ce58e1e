import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkState } from '@fleetnet/contracts';
import { createNetns, vethPair } from '../../../test/support/netns.ts';
import { waitFor } from '../../../test/support/ports.ts';
import { agentIn, agentView, settled, addrs, links, snapshot } from './helpers.ts';

test('a plan whose third operation fails leaves the namespace exactly as before', async () => {
  const ns = createNetns('rb6');
  const t = agentIn(ns);
  try {
    // What is there before: a veth pair with addresses, MTU, a route through it, and another veth.
    ns.ip('link', 'add', 'old0', 'type', 'veth', 'peer', 'name', 'old0p');
    ns.ip('link', 'set', 'old0', 'mtu', '1300');
    ns.ip('addr', 'add', '10.6.0.1/24', 'dev', 'old0');
    ns.ip('addr', 'add', '2001:db8:6::1/64', 'dev', 'old0', 'nodad');
    ns.ip('link', 'set', 'old0', 'up');
    ns.ip('link', 'set', 'old0p', 'up');
    ns.ip('route', 'add', '10.60.0.0/16', 'via', '10.6.0.254', 'dev', 'old0');
    ns.ip('link', 'add', 'keep0', 'type', 'veth', 'peer', 'name', 'keep0p');
    ns.ip('addr', 'add', '10.7.0.1/24', 'dev', 'keep0');
    // a policy routing rule the document does not name: the rollback must leave it alone
    ns.ip('rule', 'add', 'from', '10.6.0.0/24', 'table', '100', 'priority', '1000');
    const rule1000 = () => (ns.ipJson('rule', 'show') as { priority: number }[]).some((r) => r.priority === 1000);

    const desired: NetworkState = {
      interfaces: [
        { name: 'old0', state: 'absent' },
        // a macvlan cannot have a larger MTU than its lower device (1500): the kernel refuses this one
        { name: 'a-mv', type: 'macvlan', macvlan: { 'base-iface': 'keep0', mode: 'bridge' }, mtu: 9000 },
      ],
      routes: { config: [{ destination: '10.80.0.0/16', 'next-hop-address': '10.7.0.254', 'next-hop-interface': 'keep0' }] },
    };
    const p = await t.agent.plan(desired);
    assert.equal(p.errors, []);
    assert.is(p.operations[0]!.description, 'ip link del old0');
    assert.is(p.operations[1]!.description, 'ip link add a-mv link keep0 type macvlan mode bridge');
    assert.is(p.operations[2]!.description, 'ip link set a-mv mtu 9000');
    assert.ok(p.operations.length > 3, 'operations after the failing one were planned');

    await settled(ns);
    const kernelBefore = snapshot(ns);
    const agentBefore = await agentView(t);
    const r = await t.agent.apply(desired, { probes: { gateway: false } });
    assert.is(r.phase, 'RolledBack', r.error?.message);
    assert.is(r.executed, 2, 'two operations ran before the failure');
    assert.is(r.error?.operation, 'ip link set a-mv mtu 9000');
    assert.match(r.error!.message, /Invalid argument/);
    assert.ok(r.rollbackOperations!.length > 0);
    // A restored IPv6 address gets its local route once duplicate address detection is done.
    await waitFor(() => snapshot(ns) === kernelBefore, 10_000, 'kernel state as before').catch(() => undefined);
    assert.is(snapshot(ns), kernelBefore, 'the kernel state is as before');
    assert.ok(rule1000(), 'the rule the document does not name is still there');
    assert.is(await agentView(t), agentBefore, 'the agent reads the same state as before');
    assert.not.ok(existsSync(join(t.stateDir, 'checkpoint.json')), 'checkpoint dropped');
  } finally {
    t.cleanup();
    ns.remove();
  }
});

test('connectivity rollback: moving the address the gateway is reached through fails the ping probe and is undone', async () => {
  const h = createNetns('rb7h');
  const g = createNetns('rb7g');
  const t = agentIn(h);
  try {
    vethPair(h, 'eth0', g, 'geth0');
    g.ip('addr', 'add', '10.70.0.254/24', 'dev', 'geth0');
    g.ip('link', 'set', 'geth0', 'up');
    h.ip('addr', 'add', '10.70.0.1/24', 'dev', 'eth0');
    h.ip('link', 'set', 'eth0', 'up');
    h.ip('route', 'add', 'default', 'via', '10.70.0.254', 'dev', 'eth0');
    const ping = () => {
      try {
        h.exec('ping', ['-c', '1', '-W', '2', '-I', 'eth0', '10.70.0.254']);
        return true;
      } catch {
        return false;
      }
    };
    assert.ok(ping(), 'the gateway answers before the change');
    await settled(h);
    const before = snapshot(h);

    const desired: NetworkState = {
      interfaces: [
        // renumbered into a subnet where the gateway is not
        { name: 'eth0', ipv4: { address: [{ ip: '10.71.0.1', 'prefix-length': 24 }] } },
        { name: 'moved0', type: 'veth', veth: { peer: 'moved0p' } },
      ],
    };
    const r = await t.agent.apply(desired, { timeoutMs: 3000 });
    assert.is(r.phase, 'RolledBack', r.error?.message);
    assert.is(r.error?.probe, 'ping 10.70.0.254 dev eth0');
    assert.match(r.error!.message, /probe "ping 10\.70\.0\.254 dev eth0" failed/);
    assert.equal(r.probes?.before.map((x) => [x.name, x.ok]), [['ping 10.70.0.254 dev eth0', true]]);
    assert.equal(addrs(h, 'eth0'), ['10.70.0.1/24']);
    assert.not.ok(links(h).includes('moved0'), 'the new veth is gone');
    assert.ok(ping(), 'the gateway answers again');
    await waitFor(() => snapshot(h) === before, 10_000, 'state as before').catch(() => undefined);
    assert.is(snapshot(h), before);
  } finally {
    t.cleanup();
    g.remove();
    h.remove();
  }
});

test('a probe that failed before the change is not required after it', async () => {
  const ns = createNetns('rb7b');
  const t = agentIn(ns);
  try {
    const r = await t.agent.apply(
      { interfaces: [{ name: 'n0', type: 'veth', veth: { peer: 'n0p' } }] },
      { probes: { gateway: false, tcp: [{ host: '127.0.0.1', port: 9 }] }, timeoutMs: 2000 },
    );
    assert.is(r.phase, 'Applied', r.error?.message);
    assert.equal(r.probes?.before.map((x) => [x.name, x.ok]), [['tcp 127.0.0.1:9', false]]);
    assert.equal(r.probes?.after, []);
  } finally {
    t.cleanup();
    ns.remove();
  }
});

test('extra (pluggable) probe failing after the change rolls back and is named', async () => {
  const ns = createNetns('rb7c');
  const t = agentIn(ns);
  try {
    let calls = 0;
    const r = await t.agent.apply(
      { interfaces: [{ name: 'n1', type: 'veth', veth: { peer: 'n1p' } }] },
      { probes: { gateway: false }, timeoutMs: 1000, extraProbes: [{ name: 'bus round trip', check: async () => ({ ok: calls++ === 0, message: 'no reply' }) }] },
    );
    assert.is(r.phase, 'RolledBack');
    assert.is(r.error?.probe, 'bus round trip');
    assert.not.ok(links(ns).includes('n1'));
  } finally {
    t.cleanup();
    ns.remove();
  }
});

test('noRollback: a failing probe leaves the change in place and says Failed', async () => {
  const ns = createNetns('rbnr');
  const t = agentIn(ns);
  try {
    const r = await t.agent.apply(
      { interfaces: [{ name: 'n2', type: 'veth', veth: { peer: 'n2p' } }] },
      { probes: { gateway: false }, timeoutMs: 1000, noRollback: true, extraProbes: [{ name: 'flaky', check: async () => ({ ok: !links(ns).includes('n2') }) }] },
    );
    assert.is(r.phase, 'Failed');
    assert.is(r.error?.probe, 'flaky');
    assert.is(r.rollbackOperations, undefined);
    assert.ok(links(ns).includes('n2'), 'kept');
    assert.not.ok(existsSync(join(t.stateDir, 'checkpoint.json')), 'no checkpoint left to roll back at the next start');
  } finally {
    t.cleanup();
    ns.remove();
  }
});

test.run();
