/**
 * LLDP: the agent's own lldpd, one per host (network namespace), on the interfaces with
 * `lldp: {enabled: true}`. Pure: the plan and lldpcli's JSON. Real: two namespaces joined by a veth,
 * an agent in each; each sees the other as neighbour; disabling stops the daemon (its pid gone);
 * a failed apply stops the daemon it started (rolled back with the checkpoint).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkState } from '@fleetnet/contracts';
import { planLldp, parseInterfaces, parseNeighbors, type LldpBackend } from '../src/lldp/index.ts';
import { createNetns, vethPair, type Netns } from '../../../test/support/netns.ts';
import { waitFor } from '../../../test/support/ports.ts';
import { testUnless } from '../../../test/support/skip.ts';
import { agentIn, type TestAgent } from './helpers.ts';

const NO_PROBES = { probes: { gateway: false } } as const;
const has = (prog: string) => spawnSync('sh', ['-c', `command -v ${prog}`]).status === 0;
const missing = !has('lldpd') || !has('lldpcli') ? 'lldpd (Debian package lldpd) is not installed' : undefined;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('plan: enabled: true adds the interface, false removes it, absent keeps it; one operation per change, none when in sync', () => {
  const actual: NetworkState = { interfaces: [{ name: 'eth0' }, { name: 'eth1' }] };
  const on = planLldp({ interfaces: [{ name: 'eth1', lldp: { enabled: true } }, { name: 'eth0', lldp: { enabled: true } }] }, actual, new Set());
  assert.equal(on.operations.map((o) => [o.interfaces, o.description]), [[['eth0', 'eth1'], 'start lldpd (LLDP) on eth0, eth1']]);
  assert.is(planLldp({ interfaces: [{ name: 'eth0', mtu: 1500 }] }, actual, new Set(['eth0'])).operations.length, 0, 'no lldp key: left as it is');
  assert.is(planLldp({ interfaces: [{ name: 'eth0', lldp: { enabled: true } }] }, actual, new Set(['eth0'])).operations.length, 0, 'in sync');
  const off = planLldp({ interfaces: [{ name: 'eth0', lldp: { enabled: false } }] }, actual, new Set(['eth0', 'eth1']));
  assert.equal(off.operations.map((o) => o.interfaces), [['eth1']]);
  const stop = planLldp({ interfaces: [{ name: 'eth0', state: 'absent' }] }, actual, new Set(['eth0']));
  assert.equal(stop.operations.map((o) => [o.interfaces, o.description]), [[[], 'stop lldpd (no interface has LLDP on)']]);
  const gone = planLldp({}, { interfaces: [{ name: 'eth1' }] }, new Set(['eth0', 'eth1']));
  assert.equal(gone.operations.map((o) => o.interfaces), [['eth1']], 'an interface gone from the kernel leaves the set');
});

test("lldpcli's JSON: one neighbour (an object) or several (an array), chassis keyed by system name or not", () => {
  const one = { lldp: { interface: { a0: { via: 'LLDP', chassis: { peer: { id: { type: 'mac', value: '02:00:00:00:00:02' }, descr: 'Debian' } }, port: { id: { type: 'mac', value: '02:00:00:00:00:03' }, descr: 'b0' } } } } };
  assert.equal(parseNeighbors(one).get('a0'), [[
    { type: 1, _description: 'Chassis ID', 'chassis-id': '02:00:00:00:00:02', 'chassis-id-type': 4 },
    { type: 2, _description: 'Port ID', 'port-id': '02:00:00:00:00:03', 'port-id-type': 3 },
    { type: 5, _description: 'System name', 'system-name': 'peer' },
    { type: 6, _description: 'System description', 'system-description': 'Debian' },
  ]]);
  const many = { lldp: { interface: [
    { a0: { chassis: { id: { type: 'local', value: 'x' } }, port: { id: { type: 'ifname', value: 'p1' } } } },
    { a0: { chassis: { id: { type: 'mac', value: 'y' } }, port: { id: { type: 'ifname', value: 'p2' } } } },
    { a1: { chassis: { id: { type: 'mac', value: 'z' } }, port: { id: { type: 'local', value: '7' } } } },
  ] } };
  const m = parseNeighbors(many);
  assert.equal(m.get('a0')?.map((n) => n.map((t) => t['port-id'] ?? t['chassis-id'])), [['x', 'p1'], ['y', 'p2']]);
  assert.equal(m.get('a1')?.[0]?.[1], { type: 2, _description: 'Port ID', 'port-id': '7', 'port-id-type': 7 });
  assert.equal(parseInterfaces(many), ['a0', 'a1']);
  assert.equal(parseNeighbors({ lldp: {} }).size, 0);
  assert.equal(parseInterfaces(undefined), []);
});

interface Side {
  ns: Netns;
  t: TestAgent;
  lldp(): LldpBackend;
}

const side = (tag: string): Side => {
  const ns = createNetns(tag);
  const t = agentIn(ns);
  // lldpcli (set-user-id _lldpd) must get through the test's own directory to the agent's (0710, group _lldpd)
  chmodSync(t.dir, 0o711);
  return { ns, t, lldp: () => t.agent.backends.find((b) => b.name === 'lldp') as LldpBackend };
};

testUnless(test, missing, 'two namespaces, lldp enabled on each side of a veth: each sees the other as neighbour; disabled, the daemon is gone', async () => {
  const a = side('lla');
  const b = side('llb');
  try {
    vethPair(a.ns, 'a0', b.ns, 'b0');
    const macOf = (s: Side, dev: string) => (s.ns.ipJson('link', 'show', 'dev', dev) as any[])[0].address as string;
    const [ra, rb] = await Promise.all([
      a.t.agent.apply({ interfaces: [{ name: 'a0', state: 'up', lldp: { enabled: true } }] }, NO_PROBES),
      b.t.agent.apply({ interfaces: [{ name: 'b0', state: 'up', lldp: { enabled: true } }] }, NO_PROBES),
    ]);
    assert.is(ra.phase, 'Applied', ra.error?.message);
    assert.is(rb.phase, 'Applied', rb.error?.message);
    assert.ok(ra.comparison.results.some((r) => r.path.endsWith('lldp.enabled') && r.inSync && r.actual === true), 'enabled read back from the daemon');
    const pidA = a.lldp().daemon.pid()!;
    const pidB = b.lldp().daemon.pid()!;
    assert.ok(pidA && alive(pidA) && pidB && alive(pidB) && pidA !== pidB, 'one lldpd per namespace');
    // its files are the agent's: the pid file and control socket under the state directory
    assert.is(Number(readFileSync(join(a.t.stateDir, 'lldp', 'lldpd.pid'), 'utf8')), pidA);
    assert.ok(existsSync(join(a.t.stateDir, 'lldp', 'lldpd.sock')));
    // each lldpd sent its first frame when it started, perhaps before the other listened: ask both to send now
    for (const s of [a, b]) spawnSync('ip', ['netns', 'exec', s.ns.name, 'lldpcli', '-u', s.lldp().daemon.socket, 'update']);
    const neighbourOf = async (s: Side, dev: string) => {
      const st = await s.t.agent.read();
      return st.interfaces?.find((i) => i.name === dev)?.lldp?.neighbors as Record<string, unknown>[][] | undefined;
    };
    const na = await waitFor(() => neighbourOf(a, 'a0'), 15_000, 'a0 sees its neighbour', 500);
    const nb = await waitFor(() => neighbourOf(b, 'b0'), 15_000, 'b0 sees its neighbour', 500);
    assert.is(na.length, 1);
    assert.ok(na[0]!.some((t) => t.type === 2 && t['port-id'] === macOf(b, 'b0')), JSON.stringify(na));
    assert.ok(na[0]!.some((t) => t.type === 1 && typeof t['chassis-id'] === 'string'));
    assert.ok(nb[0]!.some((t) => t.type === 2 && t['port-id'] === macOf(a, 'a0')), JSON.stringify(nb));
    // another agent's lldpd (the other namespace's) does not count as an LLDP agent here
    assert.not.ok(a.lldp().foreignAgentRunning());
    const again = await a.t.agent.plan({ interfaces: [{ name: 'a0', lldp: { enabled: true } }] });
    assert.is(again.operations.length, 0, 'in sync: nothing to do');

    const off = await a.t.agent.apply({ interfaces: [{ name: 'a0', lldp: { enabled: false } }] }, NO_PROBES);
    assert.is(off.phase, 'Applied', off.error?.message);
    assert.not.ok(alive(pidA), 'lldpd stopped: its pid is gone');
    assert.not.ok(existsSync(join(a.t.stateDir, 'lldp', 'lldpd.sock')));
    assert.ok(off.comparison.inSync);
    assert.is((await a.t.agent.read()).interfaces?.find((i) => i.name === 'a0')?.lldp, undefined, 'off is not reported');
    assert.ok(alive(pidB), "the other namespace's lldpd runs on");

    // a failed apply rolls back with the checkpoint: the lldpd it started (in sync, then a probe failed) is stopped again
    let calls = 0;
    let started: number | undefined;
    const failed = await a.t.agent.apply({ interfaces: [{ name: 'a0', lldp: { enabled: true } }] }, {
      ...NO_PROBES, timeoutMs: 1000,
      extraProbes: [{ name: 'fails after the change', check: async () => ((started = a.lldp().daemon.pid() ?? started), { ok: calls++ === 0, message: 'down' }) }],
    });
    assert.is(failed.phase, 'RolledBack', failed.error?.message);
    assert.ok(started && started !== pidA, 'the apply had started a new lldpd');
    assert.is(a.lldp().daemon.pid(), undefined);
    assert.not.ok(alive(started!), 'rolled back: its pid is gone');
  } finally {
    for (const s of [a, b]) {
      await s.lldp()?.daemon.configure([]).catch(() => undefined);
      s.lldp()?.daemon.close();
      s.t.cleanup();
      s.ns.remove();
    }
  }
});

test.run();
