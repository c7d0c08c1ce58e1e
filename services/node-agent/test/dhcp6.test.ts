import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import type { NetworkState } from '@fleetnet/contracts';
import type { DhcpBackend } from '../src/dhcp/index.ts';
import { sleep, waitFor } from '../../../test/support/ports.ts';
import { testUnless } from '../../../test/support/skip.ts';
import { has, dhcpLab, v6 } from './dhcp-lab.ts';

const missing = !has('dhclient') ? 'dhclient (Debian package isc-dhcp-client) is not installed' : !has('dnsmasq') ? 'dnsmasq is not installed' : undefined;

/** stateful DHCPv6 from 2001:db8:1::100–1ff, DNS 2001:db8:1::53 and search example.test; RAs with the M flag, no SLAAC prefix */
const STATEFUL = ['--dhcp-range=2001:db8:1::100,2001:db8:1::1ff,64,120', '--enable-ra', '--dhcp-option=option6:dns-server,[2001:db8:1::53]', '--dhcp-option=option6:domain-search,example.test'];

const dhcp6On = (extra: Record<string, unknown> = {}): NetworkState => ({
  interfaces: [{ name: 'cli0', type: 'veth', state: 'up', ipv6: { enabled: true, dhcp: true, ...extra } }],
});
const noProbes = { probes: { gateway: false } };
const leased = (a: { local: string; prefixlen: number; dynamic?: boolean }) => a.prefixlen === 128 && /^2001:db8:1::1[0-9a-f]{2}$/.test(a.local);

testUnless(test, missing, 'dhcp6: a DHCPv6 lease is obtained, reported dynamic and in sync, reads stay equal; its DNS servers and search domain go to the agent\'s resolv.conf', async () => {
  const l = dhcpLab('d6');
  try {
    await l.serve(STATEFUL);
    const agent = l.agent({ dhcpLeaseTimeoutMs: 15_000 });
    const r = await agent.apply(dhcp6On({ autoconf: false }), noProbes);
    assert.is(r.phase, 'Applied', r.error?.message);
    assert.ok(r.operations.some((o) => o.backend === 'dhcp' && o.description.startsWith('start the DHCPv6 client on cli0')));
    const addrs = v6(l.cli, 'cli0');
    assert.is(addrs.filter(leased).length, 1, JSON.stringify(addrs));
    assert.is(addrs.find(leased)!.dynamic, true, 'held with the lease lifetime');
    const conf = readFileSync(l.resolvConf, 'utf8');
    assert.match(conf, /^nameserver 2001:db8:1::53$/m);
    assert.match(conf, /^search example\.test$/m);
    assert.match(conf, /^# test resolver$/m);
    const state = await agent.read();
    const cli0 = state.interfaces!.find((i) => i.name === 'cli0')!;
    assert.is(cli0.ipv6?.dhcp, true);
    assert.is(cli0.ipv6?.autoconf, false);
    const lease = cli0.ipv6!.address!.find((a) => a['prefix-length'] === 128)!;
    assert.equal(lease, { ip: addrs.find(leased)!.local, 'prefix-length': 128, 'fleetnet.io/dynamic': true });
    assert.equal((await agent.plan(dhcp6On({ autoconf: false }))).operations, [], 'in sync: nothing to do');
    await sleep(1100);
    assert.equal(await agent.read(), state, 'no churn: two reads a second apart are equal (no lifetimes)');
    assert.is(l.dhcp6Pids().length, 1);
  } finally {
    await l.cleanup();
  }
});

testUnless(test, missing, 'dhcp6: turned off, the client is stopped and its address and DNS server removed; so when the interface is removed', async () => {
  const l = dhcpLab('d6o');
  try {
    await l.serve(STATEFUL);
    const agent = l.agent({ dhcpLeaseTimeoutMs: 15_000 });
    assert.is((await agent.apply(dhcp6On(), noProbes)).phase, 'Applied');
    assert.is(l.dhcp6Pids().length, 1);
    const off = await agent.apply({ interfaces: [{ name: 'cli0', type: 'veth', state: 'up', ipv6: { enabled: true, dhcp: false, address: [{ ip: '2001:db8:9::7', 'prefix-length': 64 }] } }] }, noProbes);
    assert.is(off.phase, 'Applied', off.error?.message);
    assert.ok(off.operations.some((o) => o.backend === 'dhcp' && o.description.startsWith('stop the DHCPv6 client on cli0')));
    await waitFor(() => l.dhcp6Pids().length === 0, 3000, 'client gone');
    assert.equal(v6(l.cli, 'cli0').filter(leased), [], 'the leased address went with it');
    assert.ok(v6(l.cli, 'cli0').some((a) => a.local === '2001:db8:9::7'));
    const conf = readFileSync(l.resolvConf, 'utf8');
    assert.not.match(conf, /2001:db8:1::53/);
    assert.match(conf, /^# test resolver$/m, 'the rest of the file stays');
    const dhcp = agent.backends.find((b) => b.name === 'dhcp') as DhcpBackend;
    assert.equal([...dhcp.supervisor6.running().keys()], []);
    assert.is((await agent.read()).interfaces!.find((i) => i.name === 'cli0')!.ipv6?.dhcp, false);
    // on again, then the interface removed: the client goes with it
    assert.is((await agent.apply(dhcp6On(), noProbes)).phase, 'Applied');
    assert.is(l.dhcp6Pids().length, 1);
    const gone = await agent.apply({ interfaces: [{ name: 'cli0', type: 'veth', state: 'absent' }] }, noProbes);
    assert.is(gone.phase, 'Applied', gone.error?.message);
    assert.ok(gone.operations.some((o) => o.backend === 'dhcp' && o.description.startsWith('stop the DHCPv6 client on cli0')));
    assert.equal(l.dhcp6Pids(), []);
  } finally {
    await l.cleanup();
  }
});

testUnless(test, missing, "dhcp6: a lease that never comes fails the apply within the policy's probe timeout, which rolls back (client stopped) and says why", async () => {
  const l = dhcpLab('d6n');
  try {
    // no server on the link; no agent override: the policy's probes.timeoutSeconds is the wait
    const agent = l.agent();
    const t0 = Date.now();
    const r = await agent.apply(dhcp6On({ autoconf: false }), { probes: { gateway: false, timeoutSeconds: 3 } });
    assert.is(r.phase, 'RolledBack', r.error?.message);
    assert.match(r.error?.message ?? '', /no DHCPv6 lease on cli0 within 3 s/);
    assert.ok(Date.now() - t0 < 20_000, `took ${Date.now() - t0} ms`);
    assert.equal(l.dhcp6Pids(), []);
    const dhcp = agent.backends.find((b) => b.name === 'dhcp') as DhcpBackend;
    assert.equal([...dhcp.supervisor6.running().keys()], []);
    // the rollback put autoconf back as it was (the kernel's default: on)
    assert.is(l.cli.exec('sysctl', ['-n', 'net.ipv6.conf.cli0.autoconf']).trim(), '1');
  } finally {
    await l.cleanup();
  }
});

testUnless(test, missing, 'dhcp6: a client that dies is restarted; a restarted agent supervises the running client again, without a second one', async () => {
  const l = dhcpLab('d6k');
  try {
    await l.serve(STATEFUL);
    const first = l.agent({ dhcpLeaseTimeoutMs: 15_000 });
    assert.is((await first.apply(dhcp6On(), noProbes)).phase, 'Applied');
    const [pid] = l.dhcp6Pids();
    assert.ok(pid);
    (first.backends.find((b) => b.name === 'dhcp') as DhcpBackend).supervisor6.close();
    const second = l.agent({ dhcpLeaseTimeoutMs: 15_000 });
    const dhcp = second.backends.find((b) => b.name === 'dhcp') as DhcpBackend;
    assert.is(dhcp.supervisor6.pid('cli0'), pid, 'adopted');
    const again = await second.apply(dhcp6On(), noProbes);
    assert.is(again.phase, 'Applied', again.error?.message);
    assert.equal(again.operations, []);
    process.kill(pid!, 'SIGKILL');
    const next = await waitFor(() => {
      const p = l.dhcp6Pids();
      return p.length === 1 && p[0] !== pid && dhcp.supervisor6.pid('cli0') === p[0] ? p[0] : undefined;
    }, 15_000, 'client restarted and supervised');
    await sleep(1500);
    assert.equal(l.dhcp6Pids(), [next], 'one client, not two');
    await waitFor(() => v6(l.cli, 'cli0').some(leased), 15_000, 'the restarted client leases again');
  } finally {
    await l.cleanup();
  }
});

testUnless(test, missing, "dhcp6: dhcp and autoconf (nmstate's auto) on a link with router advertisements only: a SLAAC address satisfies the apply, the client keeps asking", async () => {
  const l = dhcpLab('d6a');
  try {
    await l.serve(['--dhcp-range=2001:db8:2::,ra-only,64,120', '--enable-ra']);
    const agent = l.agent({ dhcpLeaseTimeoutMs: 15_000 });
    const r = await agent.apply(dhcp6On({ autoconf: true }), noProbes);
    assert.is(r.phase, 'Applied', r.error?.message);
    assert.ok(v6(l.cli, 'cli0').some((a) => a.local.startsWith('2001:db8:2:') && a.prefixlen === 64 && a.dynamic));
    assert.is(l.dhcp6Pids().length, 1);
    const cli0 = (await agent.read()).interfaces!.find((i) => i.name === 'cli0')!;
    assert.is(cli0.ipv6?.dhcp, true);
    assert.is(cli0.ipv6?.autoconf, true);
    assert.ok(r.comparison.inSync);
  } finally {
    await l.cleanup();
  }
});

test.run();
