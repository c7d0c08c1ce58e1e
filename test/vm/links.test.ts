import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NetworkState } from '@fleetnet/contracts';
import { testUnless } from '../support/skip.ts';
import { startVmHost, vmSkipReason, type VmHost } from '../support/vm.ts';

// VRF, dummy and ipvlan links on a real kernel, made by the agent, read back with ip -d -j; the far
// ends (p1, p2 in the VM's "peer" namespace) answer pings through them.
const skip = vmSkipReason();
let vm: VmHost;

test.before(async () => {
  if (skip) return;
  vm = await startVmHost({ nics: 2 });
  await vm.sh('ip -n peer addr add 198.18.0.2/24 dev p1 && ip -n peer addr add 192.0.2.2/24 dev p2');
});
test.after(() => vm?.stop());

const state: NetworkState = {
  interfaces: [
    { name: 'eth1', type: 'ethernet', state: 'up' },
    { name: 'eth2', type: 'ethernet', state: 'up', ipv4: { enabled: true, address: [{ ip: '192.0.2.1', 'prefix-length': 24 }] } },
    { name: 'vrf-a', type: 'vrf', vrf: { port: ['eth2'], 'route-table-id': 100 } },
    { name: 'dummy0', type: 'dummy', ipv4: { enabled: true, address: [{ ip: '203.0.113.1', 'prefix-length': 32 }] } },
    { name: 'ipv0', type: 'ipvlan', ipvlan: { 'base-iface': 'eth1', mode: 'l2' }, ipv4: { enabled: true, address: [{ ip: '198.18.0.1', 'prefix-length': 24 }] } },
  ],
  routes: { config: [{ destination: '198.51.100.0/24', 'next-hop-address': '192.0.2.2', 'next-hop-interface': 'eth2', 'table-id': 100 }] },
};

testUnless(test, skip, 'VRF with a port and a route in its table, a dummy, an ipvlan on eth1: created by the agent, read from the kernel, traffic through them', async () => {
  const r = await vm.apply(state, { env: { FLEETNET_LOG_LEVEL: 'error' } });
  assert.is(r.code, 0, `fleetnet-agent apply failed:\n${r.stdout}${r.stderr}`);

  const vrf = await vm.link('vrf-a');
  assert.is(vrf.linkinfo.info_kind, 'vrf');
  assert.is(vrf.linkinfo.info_data.table, 100);
  assert.is((await vm.link('eth2')).master, 'vrf-a');
  const table = await vm.ip<{ dst: string; gateway?: string; dev: string }[]>('route show table 100');
  assert.ok(table.some((x) => x.dst === '198.51.100.0/24' && x.gateway === '192.0.2.2' && x.dev === 'eth2'), `the route is in table 100: ${JSON.stringify(table)}`);
  const main = await vm.ip<{ dst: string }[]>('route show table main');
  assert.not.ok(main.some((x) => x.dst === '198.51.100.0/24' || x.dst === '192.0.2.0/24'), 'nothing of the VRF leaks into the main table');
  await vm.sh('ping -c1 -W3 -I vrf-a 192.0.2.2');

  const dummy = await vm.link('dummy0');
  assert.is(dummy.linkinfo.info_kind, 'dummy');
  const [dAddr] = await vm.ip('addr show dev dummy0');
  assert.ok(dAddr.addr_info.some((a: { local: string }) => a.local === '203.0.113.1'), 'dummy0 has its address');

  const ipv = await vm.link('ipv0');
  assert.is(ipv.linkinfo.info_kind, 'ipvlan');
  assert.is(ipv.linkinfo.info_data.mode, 'l2');
  assert.is(ipv.link, 'eth1');
  assert.is(ipv.address, (await vm.link('eth1')).address, 'an ipvlan shares its base MAC');
  await vm.sh('ping -c1 -W3 198.18.0.2');

  const again = await vm.exec('fleetnet-agent plan -f /tmp/desired-1.yaml', { FLEETNET_LOG_LEVEL: 'error' });
  assert.is(again.code, 0, again.stderr);
  assert.is(again.stdout.trim(), '', `nothing left to do, read back as applied:\n${again.stdout}`);
});

testUnless(test, skip, 'the VRF, dummy and ipvlan removed with state: absent; eth2 leaves the VRF', async () => {
  const r = await vm.apply({ interfaces: ['vrf-a', 'dummy0', 'ipv0'].map((name) => ({ name, state: 'absent' as const })) }, { env: { FLEETNET_LOG_LEVEL: 'error' } });
  assert.is(r.code, 0, `fleetnet-agent apply failed:\n${r.stdout}${r.stderr}`);
  for (const n of ['vrf-a', 'dummy0', 'ipv0']) assert.is(await vm.link(n), undefined, `${n} removed`);
  assert.is((await vm.link('eth2')).master, undefined);
});

test.run();
