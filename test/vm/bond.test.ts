import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NetworkState } from '@fleetnet/contracts';
import { waitFor } from '../support/ports.ts';
import { testUnless } from '../support/skip.ts';
import { jsonDifferences, startVmHost, vmSkipReason, type VmHost } from '../support/vm.ts';

// Kernel bonds over two real (virtio) ethernet NICs in a throwaway VM; each read back with ip -d -j.
const skip = vmSkipReason();
let vm: VmHost;

test.before(async () => {
  if (!skip) vm = await startVmHost({ nics: 2 });
});
test.after(() => vm?.stop());

const ports = [{ name: 'eth1', type: 'ethernet' as const, state: 'up' as const }, { name: 'eth2', type: 'ethernet' as const, state: 'up' as const }];
const activeBackup: NetworkState = {
  interfaces: [...ports, { name: 'bond0', type: 'bond', 'link-aggregation': { mode: 'active-backup', port: ['eth1', 'eth2'], options: { miimon: 100, primary: 'eth1' } } }],
};
const lacp: NetworkState = {
  interfaces: [...ports, { name: 'bond0', type: 'bond', 'link-aggregation': { mode: '802.3ad', port: ['eth1', 'eth2'], options: { miimon: 100, lacp_rate: 'fast', xmit_hash_policy: 'layer3+4' } } }],
};

async function applied(state: NetworkState) {
  const r = await vm.apply(state, { env: { FLEETNET_LOG_LEVEL: 'error' } });
  assert.is(r.code, 0, `fleetnet-agent apply failed:\n${r.stdout}${r.stderr}`);
  return r;
}
const bondInfo = async () => (await vm.link('bond0'))?.linkinfo?.info_data;

testUnless(test, skip, 'active-backup bond over eth1+eth2 with miimon and primary; the active port moves to eth2 when eth1 loses carrier, and back', async () => {
  await applied(activeBackup);
  const info = await bondInfo();
  assert.is(info.mode, 'active-backup');
  assert.is(info.miimon, 100);
  assert.is(info.primary, 'eth1');
  assert.is((await vm.link('eth1')).master, 'bond0');
  assert.is((await vm.link('eth2')).master, 'bond0');
  await waitFor(async () => (await bondInfo()).active_slave === 'eth1', 10_000, 'eth1 active');
  await vm.cable(1, false);
  await waitFor(async () => (await bondInfo()).active_slave === 'eth2', 10_000, 'eth2 takes over after eth1 loses carrier');
  assert.ok((await vm.link('eth1')).flags.includes('NO-CARRIER'), 'eth1 really lost its carrier');
  await vm.cable(1, true);
  await waitFor(async () => (await bondInfo()).active_slave === 'eth1', 10_000, 'the primary eth1 is active again');
});

testUnless(test, skip, '802.3ad bond with lacp_rate and xmit_hash_policy aggregates with the partner bond in the peer namespace (LACP)', async () => {
  // the far end: a partner 802.3ad bond over p1+p2
  await vm.sh('ip -n peer link add pbond type bond mode 802.3ad lacp_rate fast miimon 100 && ip -n peer link set p1 down && ip -n peer link set p2 down'
    + ' && ip -n peer link set p1 master pbond && ip -n peer link set p2 master pbond && ip -n peer link set pbond up');
  const r = await applied(lacp);
  assert.match(r.stdout, /link del bond0|link add bond0/, 'the mode change re-creates the bond');
  const info = await bondInfo();
  assert.is(info.mode, '802.3ad');
  assert.is(info.ad_lacp_rate, 'fast');
  assert.is(info.xmit_hash_policy, 'layer3+4');
  const partner = (await vm.link('pbond', 'peer')).address;
  const ad = await waitFor(async () => {
    const i = await bondInfo();
    return i.ad_info?.partner_mac === partner ? i.ad_info : undefined;
  }, 30_000, 'LACP partner seen');
  for (const p of ['eth1', 'eth2']) {
    await waitFor(async () => (await vm.link(p)).linkinfo.info_slave_data.ad_aggregator_id === ad.aggregator, 30_000, `${p} in the active aggregator`);
  }
  assert.is(ad.num_ports, 2, 'both ports aggregated');
});

testUnless(test, skip, 'a bond change whose third operation fails leaves the VM exactly as before (links, addresses, routes)', async () => {
  const before = await vm.snapshot();
  // miimon and updelay are valid, the third the kernel refuses (arp_validate is not for 802.3ad bonds)
  const bad: NetworkState = {
    interfaces: [...ports, { name: 'bond0', type: 'bond', 'link-aggregation': { mode: '802.3ad', port: ['eth1', 'eth2'], options: { miimon: 200, updelay: 400, arp_validate: 'active', lacp_rate: 'fast' } } }],
  };
  const r = await vm.apply(bad, { env: { FLEETNET_LOG_LEVEL: 'error' } });
  assert.is(r.code, 1, `apply must fail:\n${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /ran 2 of 3 operations/, r.stdout);
  assert.match(r.stdout, /rolled back/);
  assert.match(r.stdout, /arp_validate active" failed/, 'the kernel refused the third');
  const after = await vm.snapshot();
  assert.equal(jsonDifferences(before, after), [], 'the kernel reads the same before and after');
  assert.is((await bondInfo()).miimon, 100, 'miimon restored');
});

test.run();
