import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NetworkState } from '@fleetnet/contracts';
import { sleep, waitFor } from '../../../test/support/ports.ts';
import { testUnless } from '../../../test/support/skip.ts';
import { defaultRoutes6, has, dhcpLab, v6, type DhcpLab } from './dhcp-lab.ts';

const missing = !has('dnsmasq') ? 'dnsmasq is not installed (it sends the router advertisements)'
  : !has('rdisc6') ? 'rdisc6 (Debian package ndisc6) is not installed (the agent solicits the advertisements with it)' : undefined;

/** router advertisements of 2001:db8:2::/64 for SLAAC, every few seconds, no DHCPv6 */
const RA_ONLY = ['--dhcp-range=2001:db8:2::,ra-only,64,120', '--enable-ra', '--ra-param=srv0,4,120'];

const slaac = (extra: Record<string, unknown> = {}): NetworkState => ({
  interfaces: [{ name: 'cli0', type: 'veth', state: 'up', ipv6: { enabled: true, autoconf: true, ...extra } }],
});
const noProbes = { probes: { gateway: false } };
const sysctl = (l: DhcpLab, key: string) => l.cli.exec('sysctl', ['-n', `net.ipv6.conf.cli0.${key}`]).trim();
const slaacAddr = (l: DhcpLab) => v6(l.cli, 'cli0').find((a) => a.local.startsWith('2001:db8:2:') && a.prefixlen === 64 && !a.tentative);

testUnless(test, missing, 'slaac: autoconf gives a SLAAC address in the advertised /64, reported dynamic, and the default route via the router; in sync, and two reads a second apart are equal', async () => {
  const l = dhcpLab('sl');
  try {
    await l.serve(RA_ONLY);
    const agent = l.agent();
    const r = await agent.apply(slaac(), noProbes);
    assert.is(r.phase, 'Applied', r.error?.message);
    assert.ok(r.operations.some((o) => o.backend === 'host' && o.description.startsWith('SLAAC on cli0')));
    assert.is(sysctl(l, 'accept_ra'), '2');
    assert.is(sysctl(l, 'autoconf'), '1');
    assert.is(sysctl(l, 'accept_ra_defrtr'), '1');
    const addr = await waitFor(() => slaacAddr(l), 20_000, 'SLAAC address');
    assert.is(addr.dynamic, true);
    await waitFor(() => defaultRoutes6(l.cli).find((x) => x.protocol === 'ra'), 10_000, 'default route from the RA');
    const state = await agent.read();
    const cli0 = state.interfaces!.find((i) => i.name === 'cli0')!;
    assert.is(cli0.ipv6?.autoconf, true);
    assert.is(cli0.ipv6?.dhcp, false);
    assert.ok(cli0.ipv6?.address?.some((a) => a.ip === addr.local && a['prefix-length'] === 64 && a['fleetnet.io/dynamic'] === true));
    assert.equal((await agent.plan(slaac())).operations, [], 'in sync: nothing to do');
    // a static address next to SLAAC's: the dynamic one is neither compared nor removed
    const both = await agent.apply(slaac({ address: [{ ip: '2001:db8:9::5', 'prefix-length': 64 }] }), noProbes);
    assert.is(both.phase, 'Applied', both.error?.message);
    assert.ok(both.comparison.inSync);
    assert.ok(slaacAddr(l), 'SLAAC address kept');
    await sleep(500); // DAD of the static address
    const one = await agent.read();
    await sleep(1100);
    assert.equal(await agent.read(), one, 'no churn: no lifetimes, no counters');
  } finally {
    await l.cleanup();
  }
});

testUnless(test, missing, 'slaac: auto-gateway false gives the address but no default route; autoconf false turns the sysctls off and removes what SLAAC made', async () => {
  const l = dhcpLab('slg');
  try {
    await l.serve(RA_ONLY);
    const agent = l.agent();
    const r = await agent.apply(slaac({ 'auto-gateway': false }), noProbes);
    assert.is(r.phase, 'Applied', r.error?.message);
    assert.is(sysctl(l, 'accept_ra_defrtr'), '0');
    await waitFor(() => slaacAddr(l), 20_000, 'SLAAC address');
    await sleep(5000); // a router advertisement or two
    assert.equal(defaultRoutes6(l.cli), [], 'no default route');
    assert.equal((await agent.plan(slaac({ 'auto-gateway': false }))).operations, []);
    // the gateway on again, then off: the route the kernel learnt goes at once
    assert.is((await agent.apply(slaac(), noProbes)).phase, 'Applied');
    await waitFor(() => defaultRoutes6(l.cli).length > 0, 15_000, 'default route from the next RA');
    const gwOff = await agent.apply(slaac({ 'auto-gateway': false }), noProbes);
    assert.is(gwOff.phase, 'Applied', gwOff.error?.message);
    assert.equal(defaultRoutes6(l.cli), []);
    // off
    const off = await agent.apply(slaac({ autoconf: false }), noProbes);
    assert.is(off.phase, 'Applied', off.error?.message);
    assert.is(sysctl(l, 'accept_ra'), '0');
    assert.is(sysctl(l, 'autoconf'), '0');
    assert.is(slaacAddr(l), undefined, "SLAAC's address removed");
    await sleep(5000);
    assert.is(slaacAddr(l), undefined, 'and not made again');
    const cli0 = (await agent.read()).interfaces!.find((i) => i.name === 'cli0')!;
    assert.is(cli0.ipv6?.autoconf, false);
    assert.equal((await agent.plan(slaac({ autoconf: false }))).operations, []);
  } finally {
    await l.cleanup();
  }
});

testUnless(test, missing, 'slaac: auto-route-table-id and auto-route-metric with autoconf are refused at plan time, naming the field', async () => {
  const l = dhcpLab('slr');
  try {
    const agent = l.agent();
    const p = await agent.plan(slaac({ 'auto-route-table-id': 200, 'auto-route-metric': 50 }));
    assert.equal(p.errors.map((e) => e.path), ['interfaces[0].ipv6.auto-route-table-id', 'interfaces[0].ipv6.auto-route-metric']);
    assert.match(p.errors[0]!.message, /main table only/);
    const r = await agent.apply(slaac({ 'auto-route-table-id': 200 }), noProbes);
    assert.is(r.phase, 'Failed');
    assert.match(r.error?.message ?? '', /interfaces\[0\]\.ipv6\.auto-route-table-id: cannot be used with autoconf/);
    assert.is(sysctl(l, 'accept_ra'), '1', 'nothing changed');
    // no router on the link: the solicitation goes unanswered, which is no error (SLAAC waits for one)
    const quiet = await agent.apply(slaac(), noProbes);
    assert.is(quiet.phase, 'Applied', quiet.error?.message);
    assert.ok(quiet.operations.some((o) => o.description.startsWith('ask the routers on cli0 to advertise now')));
    assert.is(sysctl(l, 'autoconf'), '1');
  } finally {
    await l.cleanup();
  }
});

test.run();
