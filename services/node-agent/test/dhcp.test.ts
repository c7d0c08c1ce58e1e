import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import type { NetworkState } from '@fleetnet/contracts';
import type { DhcpBackend } from '../src/dhcp/index.ts';
import type { Netns } from '../../../test/support/netns.ts';
import { sleep, waitFor } from '../../../test/support/ports.ts';
import { testUnless } from '../../../test/support/skip.ts';
import { dhcpLab, has } from './dhcp-lab.ts';

const missing = !has('udhcpc') ? 'udhcpc (Debian package udhcpc) is not installed' : !has('dnsmasq') ? 'dnsmasq is not installed' : undefined;

/** dnsmasq's DHCPv4 arguments: a range on 192.0.2.0/24, the router and DNS server options unless turned off. */
const v4Server = (o: { router?: boolean; dns?: boolean } = {}) => [
  '--dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,120', '--dhcp-authoritative',
  o.router === false ? '--dhcp-option=option:router' : '--dhcp-option=option:router,192.0.2.1',
  o.dns === false ? '--dhcp-option=option:dns-server' : '--dhcp-option=option:dns-server,192.0.2.53',
];
/** The v4 lab: its agents wait 6 s for a lease (the test of a lease that never comes stays short). */
function lab() {
  const l = dhcpLab('dh');
  return { ...l, agent: () => l.agent({ dhcpLeaseTimeoutMs: 6000 }), serve: (o?: { router?: boolean; dns?: boolean }) => l.serve(v4Server(o)) };
}

const dhcpOn = (extra: Record<string, unknown> = {}): NetworkState => ({
  interfaces: [{ name: 'cli0', type: 'veth', state: 'up', ipv4: { enabled: true, dhcp: true, ...extra } }],
});
const v4 = (ns: Netns, dev: string) => ((ns.ipJson('-4', 'addr', 'show', 'dev', dev) as any[])[0]?.addr_info ?? []) as { local: string; prefixlen: number; dynamic?: boolean }[];
const defaultRoutes = (ns: Netns, table = 'main') => (ns.ipJson('-4', 'route', 'show', 'table', table, 'default') as any[]);
const noProbes = { probes: { gateway: false } };

testUnless(test, missing, 'dhcp: a v4 lease is obtained, reported dynamic and in sync; the lease gives the default route and the DNS servers', async () => {
  const l = lab();
  try {
    await l.serve();
    const agent = l.agent();
    const r = await agent.apply(dhcpOn(), noProbes);
    assert.is(r.phase, 'Applied', r.error?.message);
    assert.ok(r.operations.some((o) => o.backend === 'dhcp' && o.description.startsWith('start the DHCPv4 client on cli0')));
    const addrs = v4(l.cli, 'cli0');
    assert.is(addrs.length, 1);
    assert.match(addrs[0]!.local, /^192\.0\.2\.1[0-5]\d$/);
    assert.is(addrs[0]!.dynamic, true, 'the kernel holds it with the lease lifetime');
    const route = defaultRoutes(l.cli)[0];
    assert.is(route?.gateway, '192.0.2.1');
    assert.is(route?.protocol, 'dhcp');
    assert.match(readFileSync(l.resolvConf, 'utf8'), /^nameserver 192\.0\.2\.53$/m);
    const state = await agent.read();
    const cli0 = state.interfaces!.find((i) => i.name === 'cli0')!;
    assert.is(cli0.ipv4?.dhcp, true);
    assert.equal(cli0.ipv4?.address, [{ ip: addrs[0]!.local, 'prefix-length': 24, 'fleetnet.io/dynamic': true }]);
    // in sync, and a second apply has nothing to do
    assert.equal((await agent.plan(dhcpOn())).operations, []);
    // a static address next to the lease: only the static one is compared as static
    const both = await agent.apply(dhcpOn({ address: [{ ip: '198.51.100.7', 'prefix-length': 24 }] }), noProbes);
    assert.is(both.phase, 'Applied', both.error?.message);
    assert.ok(both.comparison.inSync);
    assert.is(v4(l.cli, 'cli0').length, 2, 'the lease is kept next to the static address');
  } finally {
    await l.cleanup();
  }
});

testUnless(test, missing, 'dhcp: auto-dns false leaves resolv.conf alone; auto-gateway false installs no default route; auto-route-table-id puts it in that table', async () => {
  const l = lab();
  try {
    await l.serve();
    const agent = l.agent();
    const before = readFileSync(l.resolvConf, 'utf8');
    const r = await agent.apply(dhcpOn({ 'auto-dns': false, 'auto-gateway': false }), noProbes);
    assert.is(r.phase, 'Applied', r.error?.message);
    assert.is(v4(l.cli, 'cli0').length, 1);
    assert.is(readFileSync(l.resolvConf, 'utf8'), before);
    assert.equal(defaultRoutes(l.cli), []);
    // other settings: the client is restarted with them
    const t = await agent.apply(dhcpOn({ 'auto-dns': false, 'auto-route-table-id': 200 }), noProbes);
    assert.is(t.phase, 'Applied', t.error?.message);
    assert.equal(t.operations.filter((o) => o.backend === 'dhcp').map((o) => (o as { action: string }).action), ['stop', 'start']);
    assert.equal(defaultRoutes(l.cli), []);
    assert.is(defaultRoutes(l.cli, '200')[0]?.gateway, '192.0.2.1');
    assert.is(l.dhcpPids().length, 1);
  } finally {
    await l.cleanup();
  }
});

testUnless(test, missing, 'dhcp: a lease that never comes fails the apply, which rolls back (client stopped, the static address back) and says why', async () => {
  const l = lab();
  try {
    // no server on the link
    l.cli.ip('addr', 'add', '203.0.113.9/24', 'dev', 'cli0');
    l.cli.ip('link', 'set', 'cli0', 'up');
    // the kernel's IPv6 link-local comes with carrier: let it settle so "before" is what the rollback compares to
    await waitFor(() => (l.cli.ipJson('-6', 'addr', 'show', 'dev', 'cli0') as any[])[0]?.addr_info?.some((a: any) => !a.tentative), 15_000, 'IPv6 link-local');
    const agent = l.agent();
    const r = await agent.apply(dhcpOn({ address: [] }), noProbes);
    assert.is(r.phase, 'RolledBack', r.error?.message);
    assert.match(r.error?.message ?? '', /no DHCPv4 lease on cli0 within 6 s/);
    assert.equal(v4(l.cli, 'cli0').map((a) => `${a.local}/${a.prefixlen}`), ['203.0.113.9/24']);
    assert.equal(l.dhcpPids(), []);
    const dhcp = agent.backends.find((b) => b.name === 'dhcp') as DhcpBackend;
    assert.equal([...dhcp.supervisor.running().keys()], []);
  } finally {
    await l.cleanup();
  }
});

testUnless(test, missing, 'dhcp: a change from the lease to a static address that cuts the host off is rolled back to DHCP: the client runs again and the lease is back', async () => {
  const l = lab();
  try {
    await l.serve();
    const agent = l.agent();
    assert.is((await agent.apply(dhcpOn(), noProbes)).phase, 'Applied');
    const leased = v4(l.cli, 'cli0').map((a) => a.local);
    assert.is(leased.length, 1);
    // the gateway answers before the change and not after it: the probe fails, the apply rolls back
    const r = await agent.apply(
      { interfaces: [{ name: 'cli0', type: 'veth', state: 'up', ipv4: { enabled: true, dhcp: false, address: [{ ip: '198.51.100.7', 'prefix-length': 24 }] } }] },
      { probes: { gateway: false, bus: false, ping: [{ address: '192.0.2.1' }], timeoutSeconds: 3 } },
    );
    assert.is(r.phase, 'RolledBack', r.error?.message);
    assert.match(r.error?.message ?? '', /probe/);
    assert.ok(r.rollbackOperations!.some((o) => o.backend === 'dhcp' && o.description.startsWith('start the DHCPv4 client on cli0')), JSON.stringify(r.rollbackOperations!.map((o) => o.description)));
    assert.is(l.dhcpPids().length, 1, 'a DHCP client runs again');
    const addrs = v4(l.cli, 'cli0');
    assert.equal(addrs.map((a) => a.local), leased, 'the lease is back, not the static address');
    assert.is(addrs[0]!.dynamic, true);
    assert.is(defaultRoutes(l.cli)[0]?.gateway, '192.0.2.1');
    assert.ok((await agent.plan(dhcpOn())).operations.length === 0, 'in sync with the DHCP document again');
  } finally {
    await l.cleanup();
  }
});

testUnless(test, missing, 'dhcp: turned off, the client is stopped and the leased address and routes removed; so when the interface is removed', async () => {
  const l = lab();
  try {
    await l.serve();
    const agent = l.agent();
    assert.is((await agent.apply(dhcpOn(), noProbes)).phase, 'Applied');
    assert.is(l.dhcpPids().length, 1);
    assert.match(readFileSync(l.resolvConf, 'utf8'), /^nameserver 192\.0\.2\.53$/m);
    const off = await agent.apply({ interfaces: [{ name: 'cli0', type: 'veth', state: 'up', ipv4: { enabled: true, dhcp: false, address: [{ ip: '198.51.100.7', 'prefix-length': 24 }] } }] }, noProbes);
    assert.is(off.phase, 'Applied', off.error?.message);
    await waitFor(() => l.dhcpPids().length === 0, 3000, 'client gone');
    assert.equal(v4(l.cli, 'cli0').map((a) => `${a.local}/${a.prefixlen}`), ['198.51.100.7/24']);
    assert.not.match(readFileSync(l.resolvConf, 'utf8'), /192\.0\.2\.53/, "the lease's DNS server went with it");
    assert.match(readFileSync(l.resolvConf, 'utf8'), /^# test resolver$/m);
    assert.equal(defaultRoutes(l.cli), []);
    assert.equal((await agent.plan({ interfaces: [{ name: 'cli0', ipv4: { enabled: false } }] })).operations.filter((o) => o.backend === 'dhcp'), []);
    // on again, then the interface removed: the client goes with it
    assert.is((await agent.apply(dhcpOn(), noProbes)).phase, 'Applied');
    assert.is(l.dhcpPids().length, 1);
    const gone = await agent.apply({ interfaces: [{ name: 'cli0', type: 'veth', state: 'absent' }] }, noProbes);
    assert.is(gone.phase, 'Applied', gone.error?.message);
    assert.ok(gone.operations.some((o) => o.backend === 'dhcp' && o.description.startsWith('stop the DHCPv4 client on cli0')));
    assert.equal(l.dhcpPids(), []);
    const dhcp = agent.backends.find((b) => b.name === 'dhcp') as DhcpBackend;
    assert.equal([...dhcp.supervisor.running().keys()], []);
  } finally {
    await l.cleanup();
  }
});

testUnless(test, missing, 'dhcp: a client that dies is restarted; a restarted agent supervises the running client again, without a second one', async () => {
  const l = lab();
  try {
    await l.serve();
    const first = l.agent();
    assert.is((await first.apply(dhcpOn(), noProbes)).phase, 'Applied');
    const [pid] = l.dhcpPids();
    assert.ok(pid);
    // the agent restarted: the first one stops supervising (as when it exits), a new one on the same state directory adopts the client
    (first.backends.find((b) => b.name === 'dhcp') as DhcpBackend).supervisor.close();
    const second = l.agent();
    const dhcp = second.backends.find((b) => b.name === 'dhcp') as DhcpBackend;
    assert.is(dhcp.supervisor.pid('cli0'), pid);
    const again = await second.apply(dhcpOn(), noProbes);
    assert.is(again.phase, 'Applied', again.error?.message);
    assert.equal(again.operations, []);
    assert.equal(l.dhcpPids(), [pid]);
    // the client dies: the supervisor starts a new one
    process.kill(pid!, 'SIGKILL');
    const next = await waitFor(() => {
      const p = l.dhcpPids();
      return p.length === 1 && p[0] !== pid && dhcp.supervisor.pid('cli0') === p[0] ? p[0] : undefined;
    }, 15_000, 'client restarted and supervised');
    await sleep(1500);
    assert.equal(l.dhcpPids(), [next], 'one client, not two');
    // the client dies with the agent: the next agent does not start it on its own (a `show` must not), its next apply does
    dhcp.supervisor.close();
    process.kill(next, 'SIGKILL');
    await waitFor(() => l.dhcpPids().length === 0, 3000, 'client gone');
    const third = l.agent();
    await third.read();
    await sleep(500);
    assert.equal(l.dhcpPids(), []);
    const restarted = await third.apply(dhcpOn(), noProbes);
    assert.is(restarted.phase, 'Applied', restarted.error?.message);
    assert.equal(restarted.operations.map((o) => o.backend), ['dhcp']);
    assert.is(l.dhcpPids().length, 1);
  } finally {
    await l.cleanup();
  }
});

test.run();
