import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Interface, NetworkState } from '@fleetnet/contracts';
import { testUnless } from '../support/skip.ts';
import { startVmHost, vmSkipReason, type VmHost } from '../support/vm.ts';

// The stack most bare-metal fleets run — bond → 802.1Q VLAN → Linux bridge — on a real kernel, the
// far end a partner bond with the same VLAN in the VM's "peer" namespace. Read back with ip -d -j.
const skip = vmSkipReason();
let vm: VmHost;

test.before(async () => {
  if (skip) return;
  vm = await startVmHost({ nics: 2 });
  await vm.sh('ip -n peer link add pbond type bond mode 802.3ad lacp_rate fast miimon 100 && ip -n peer link set p1 down && ip -n peer link set p2 down'
    + ' && ip -n peer link set p1 master pbond && ip -n peer link set p2 master pbond && ip -n peer link set pbond up'
    + ' && ip -n peer link add link pbond name pbond.100 type vlan id 100 && ip -n peer addr add 192.0.2.2/24 dev pbond.100 && ip -n peer link set pbond.100 up');
});
test.after(() => vm?.stop());

function stack(mtu?: number): Interface[] {
  const m = mtu ? { mtu } : {};
  return [
    { name: 'eth1', type: 'ethernet', state: 'up', ...m },
    { name: 'eth2', type: 'ethernet', state: 'up', ...m },
    { name: 'bond0', type: 'bond', 'link-aggregation': { mode: '802.3ad', port: ['eth1', 'eth2'], options: { miimon: 100, lacp_rate: 'fast' } }, ...m },
    { name: 'bond0.100', type: 'vlan', vlan: { 'base-iface': 'bond0', id: 100 }, ...m },
    { name: 'br100', type: 'linux-bridge', bridge: { port: [{ name: 'bond0.100' }] }, ipv4: { enabled: true, address: [{ ip: '192.0.2.1', 'prefix-length': 24 }] }, ...m },
  ] as Interface[];
}

async function applied(state: NetworkState) {
  const r = await vm.apply(state, { env: { FLEETNET_LOG_LEVEL: 'error' } });
  assert.is(r.code, 0, `fleetnet-agent apply failed:\n${r.stdout}${r.stderr}`);
}

/** ping until it answers: LACP needs a few seconds to aggregate after the bond comes up */
async function pingPeer(extra = '') {
  const r = await vm.exec(`for i in $(seq 20); do ping -c1 -W1 ${extra} 192.0.2.2 >/dev/null && exit 0; sleep 0.5; done; ping -c1 -W1 ${extra} 192.0.2.2`);
  assert.is(r.code, 0, `no answer from 192.0.2.2 across VLAN 100:\n${r.stdout}${r.stderr}`);
}

testUnless(test, skip, 'VLAN 100 on an 802.3ad bond, a Linux bridge on the VLAN with an address; the peer answers a ping across VLAN 100', async () => {
  await applied({ interfaces: stack() });
  const vlan = await vm.link('bond0.100');
  assert.is(vlan.linkinfo.info_kind, 'vlan');
  assert.is(vlan.linkinfo.info_data.id, 100);
  assert.is(vlan.linkinfo.info_data.protocol, '802.1Q');
  assert.is(vlan.link, 'bond0');
  assert.is(vlan.master, 'br100');
  assert.is((await vm.link('br100')).linkinfo.info_kind, 'bridge');
  const [addr] = await vm.ip('addr show dev br100');
  assert.ok(addr.addr_info.some((a: { local: string; prefixlen: number }) => a.local === '192.0.2.1' && a.prefixlen === 24), 'br100 has 192.0.2.1/24');
  // the peer's address is only on its VLAN 100: an answer proves tagged frames crossed the bonds
  await pingPeer();
});

testUnless(test, skip, 'MTU 9000 across eth1/eth2 → bond → VLAN → bridge, jumbo frames cross it; then the stack is removed top down, each step read back', async () => {
  await vm.sh('for l in p1 p2 pbond pbond.100; do ip -n peer link set $l mtu 9000; done');
  await applied({ interfaces: stack(9000) });
  for (const name of ['eth1', 'eth2', 'bond0', 'bond0.100', 'br100']) assert.is((await vm.link(name)).mtu, 9000, `${name} mtu`);
  await pingPeer('-s 8972 -M do');

  const names = ['br100', 'bond0.100', 'bond0'];
  for (let i = 0; i < names.length; i++) {
    const gone = names.slice(0, i + 1);
    const keep = stack(9000).filter((x) => !gone.includes(x.name));
    await applied({ interfaces: [...keep, ...gone.map((name) => ({ name, state: 'absent' as const }))] });
    for (const g of gone) assert.is(await vm.link(g), undefined, `${g} removed`);
    for (const k of keep) assert.ok(await vm.link(k.name), `${k.name} still there after ${names[i]} went`);
  }
  assert.is((await vm.link('eth1')).master, undefined, 'eth1 left the bond');
  assert.is((await vm.link('eth2')).master, undefined, 'eth2 left the bond');
});

test.run();
