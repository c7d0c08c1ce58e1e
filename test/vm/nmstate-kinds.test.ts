/**
 * nmstate's interface kinds that need a real kernel, in one throwaway VM (eth1/eth2 real virtio NICs):
 * documents of our own covering the same features as nmstate's examples, each applied with
 * `fleetnet-agent apply -f`, then its undo document; every step ends in sync (the agent's exit code)
 * and is read back from the kernel with `ip -d -j` by the test.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NetworkState } from '@fleetnet/contracts';
import { testUnless } from '../support/skip.ts';
import { startVmHost, vmSkipReason, type VmHost } from '../support/vm.ts';

const skip = vmSkipReason();
let vm: VmHost;

test.before(async () => {
  if (!skip) vm = await startVmHost({ nics: 2 });
});
test.after(() => vm?.stop());

async function applied(state: NetworkState) {
  const r = await vm.apply(state, { env: { FLEETNET_LOG_LEVEL: 'error' } });
  assert.is(r.code, 0, `fleetnet-agent apply failed:\n${r.stdout}${r.stderr}`);
  return r;
}
const gone = async (name: string) => assert.is(await vm.link(name), undefined, `${name} is gone`);
const eth = (name: string, state: 'up' | 'down' = 'up') => ({ name, type: 'ethernet' as const, state });

testUnless(test, skip, 'bond with nmstate\'s `ports` spelling, ports-config queue-id and priority; undo with the ports down', async () => {
  await applied({
    interfaces: [
      eth('eth1'), eth('eth2'),
      {
        name: 'bond7', type: 'bond', state: 'up',
        'link-aggregation': {
          mode: 'active-backup', ports: ['eth1', 'eth2'], options: { miimon: 150 },
          'ports-config': [{ name: 'eth1', 'queue-id': 0, priority: 5 }, { name: 'eth2', 'queue-id': 2, priority: -3 }],
        },
      },
    ],
  });
  const bond = await vm.link('bond7');
  assert.is(bond.linkinfo.info_data.mode, 'active-backup');
  assert.is(bond.linkinfo.info_data.miimon, 150);
  const e1 = (await vm.link('eth1')).linkinfo.info_slave_data;
  const e2 = (await vm.link('eth2')).linkinfo.info_slave_data;
  assert.equal([e1.queue_id, e1.prio, e2.queue_id, e2.prio], [0, 5, 2, -3]);
  assert.is((await vm.link('eth2')).master, 'bond7');
  await applied({ interfaces: [eth('eth1', 'down'), eth('eth2', 'down'), { name: 'bond7', type: 'bond', state: 'absent' }] });
  await gone('bond7');
  assert.not.ok((await vm.link('eth1')).flags.includes('UP'), 'eth1 down');
});

const MODES = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'] as const;

testUnless(test, skip, 'every kernel bond mode, one bond each in one document (with an option of that mode), then all absent', async () => {
  const modeOption: Partial<Record<(typeof MODES)[number], Record<string, string | number>>> = {
    'balance-rr': { packets_per_slave: 2 }, 'balance-xor': { xmit_hash_policy: 'layer2+3' }, '802.3ad': { ad_select: 'bandwidth', lacp_rate: 'fast' },
    'balance-tlb': { tlb_dynamic_lb: 0 }, 'active-backup': { arp_interval: 500, arp_ip_target: '192.0.2.1,192.0.2.2' },
  };
  await applied({
    interfaces: MODES.map((mode, i) => ({
      name: `bm${i}`, type: 'bond' as const, state: 'up' as const,
      'link-aggregation': { mode, ...(modeOption[mode] ? { options: modeOption[mode] } : {}) },
    })),
  });
  for (const [i, mode] of MODES.entries()) assert.is((await vm.link(`bm${i}`)).linkinfo.info_data.mode, mode, `bm${i}`);
  assert.is((await vm.link('bm0')).linkinfo.info_data.packets_per_slave, 2);
  assert.equal((await vm.link('bm1')).linkinfo.info_data.arp_ip_target, ['192.0.2.1', '192.0.2.2']);
  assert.is((await vm.link('bm4')).linkinfo.info_data.ad_select, 'bandwidth');
  await applied({ interfaces: MODES.map((_, i) => ({ name: `bm${i}`, type: 'bond' as const, state: 'absent' as const })) });
  for (const i of MODES.keys()) await gone(`bm${i}`);
});

// One document creates every kind at once and one removes them (each apply starts node in the VM: TCG is slow).
const kinds: NetworkState = {
  interfaces: [
    eth('eth1'), eth('eth2'),
    { name: 'eth1.300', type: 'vlan', state: 'up', vlan: { 'base-iface': 'eth1', id: 300, protocol: '802.1ad' } },
    { name: 'eth2.301', type: 'vlan', state: 'up', vlan: { 'base-iface': 'eth2', id: 301, 'reorder-headers': false, 'loose-binding': true, 'registration-protocol': 'mvrp' } },
    {
      name: 'msec7', type: 'macsec', state: 'up',
      macsec: {
        // no MKA keys here: with them the apply waits for a peer to agree (test/vm/macsec.test.ts)
        'base-iface': 'eth1', encrypt: true, port: 0, validation: 'strict', 'send-sci': true,
      },
    },
    { name: 'mvtap7', type: 'mac-vtap', state: 'up', 'mac-vtap': { 'base-iface': 'eth2', mode: 'bridge' } },
    { name: 'mvlan7', type: 'mac-vlan', state: 'up', 'mac-vlan': { 'base-iface': 'eth2', mode: 'vepa' } },
    { name: 'dum7', type: 'dummy', state: 'up', ipv4: { enabled: true, address: [{ ip: '198.51.100.7', 'prefix-length': 32 }] } },
  ],
};

testUnless(test, skip, 'vlan 802.1ad (QinQ), MACsec (port 0 = the default 1), mac-vtap (VM only here), mac-vlan and dummy in one document', async () => {
  await applied(kinds);
  const vlan = await vm.link('eth1.300');
  assert.equal([vlan.linkinfo.info_kind, vlan.linkinfo.info_data.protocol, vlan.linkinfo.info_data.id, vlan.link], ['vlan', '802.1ad', 300, 'eth1']);
  assert.equal([...(await vm.link('eth2.301')).linkinfo.info_data.flags].sort(), ['LOOSE_BINDING', 'MVRP'], 'reorder_hdr off, loose_binding and MVRP on');
  const ms = await vm.link('msec7');
  assert.equal([ms.linkinfo.info_kind, ms.link, ms.linkinfo.info_data.validation, ms.linkinfo.info_data.encrypt, ms.linkinfo.info_data.inc_sci], ['macsec', 'eth1', 'strict', true, true]);
  assert.ok(String(ms.linkinfo.info_data.sci).endsWith('0001'), `SCI port 1: ${ms.linkinfo.info_data.sci}`);
  const tap = await vm.link('mvtap7');
  assert.equal([tap.linkinfo.info_kind, tap.linkinfo.info_data.mode, tap.link], ['macvtap', 'bridge', 'eth2']);
  const mv = await vm.link('mvlan7');
  assert.equal([mv.linkinfo.info_kind, mv.linkinfo.info_data.mode, mv.link], ['macvlan', 'vepa', 'eth2']);
  assert.is((await vm.link('dum7')).linkinfo.info_kind, 'dummy');
  const addrs = await vm.ip('addr show dev dum7');
  assert.ok(addrs[0].addr_info.some((a: any) => a.local === '198.51.100.7'));
});

testUnless(test, skip, 'undo: state: down on the vlan removes it (nmstate), the others absent', async () => {
  await applied({
    interfaces: [
      { name: 'eth1.300', type: 'vlan', state: 'down', vlan: { 'base-iface': 'eth1', id: 300, protocol: '802.1ad' } },
      { name: 'eth2.301', type: 'vlan', state: 'absent' },
      ...['msec7', 'mvtap7', 'mvlan7', 'dum7'].map((name) => ({ name, type: kinds.interfaces!.find((i) => i.name === name)!.type, state: 'absent' as const })),
    ],
  });
  for (const n of ['eth1.300', 'eth2.301', 'msec7', 'mvtap7', 'mvlan7', 'dum7']) await gone(n);
});

testUnless(test, skip, 'linux-bridge with options and port VLANs (trunk with id-range and native VLAN, access port): filtering turned on, read back with bridge -j vlan show; undo', async () => {
  await applied({
    interfaces: [
      eth('eth1'), eth('eth2'),
      {
        name: 'lbr7', type: 'linux-bridge', state: 'up',
        bridge: {
          options: { 'mac-ageing-time': 240, 'vlan-protocol': '802.1ad', stp: { enabled: false, 'forward-delay': 12 } },
          port: [
            {
              name: 'eth1', 'stp-priority': 30, 'stp-path-cost': 120, 'stp-hairpin-mode': false,
              vlan: { mode: 'trunk', tag: 100, 'enable-native': true, 'trunk-tags': [{ id: 101 }, { 'id-range': { min: 500, max: 599 } }] },
            },
            { name: 'eth2', vlan: { mode: 'access', tag: 200 } },
          ],
        },
      },
    ],
  });
  const info = (await vm.link('lbr7')).linkinfo.info_data;
  assert.equal([info.vlan_filtering, info.vlan_protocol, info.ageing_time, info.forward_delay], [1, '802.1ad', 24000, 1200]);
  const e1 = (await vm.link('eth1')).linkinfo.info_slave_data;
  assert.equal([e1.priority, e1.cost, e1.hairpin], [30, 120, false]);
  const vlans = JSON.parse(await vm.sh('bridge -j -c vlan show')) as { ifname: string; vlans: { vlan: number; vlanEnd?: number; flags?: string[] }[] }[];
  // the PVID, then the other ids as runs (whether this iproute2 prints ranges or single ids)
  const of = (n: string) => {
    const entries = vlans.find((x) => x.ifname === n)!.vlans;
    const pvid = entries.filter((v) => (v.flags ?? []).includes('PVID')).map((v) => `${v.vlan} pvid`);
    const ids = entries.filter((v) => !(v.flags ?? []).includes('PVID')).flatMap((v) => Array.from({ length: (v.vlanEnd ?? v.vlan) - v.vlan + 1 }, (_, i) => v.vlan + i));
    const runs: string[] = [];
    for (const id of ids.sort((a, b) => a - b)) {
      const last = runs.at(-1)?.split('-').map(Number);
      if (last && id === last[last.length - 1]! + 1) runs[runs.length - 1] = `${last[0]}-${id}`;
      else runs.push(String(id));
    }
    return [...pvid, ...runs];
  };
  assert.equal(of('eth1'), ['100 pvid', '101', '500-599'], 'VLAN 1 is gone, the trunk and its native VLAN are there');
  assert.equal(of('eth2'), ['200 pvid']);
  await applied({ interfaces: [{ name: 'lbr7', type: 'linux-bridge', state: 'absent' }] });
  await gone('lbr7');
});

testUnless(test, skip, 'state: absent removes a link of a type fleetnet cannot create (HSR over two veths), by name', async () => {
  await vm.sh('ip link add hsa7 type veth peer name hsb7 && ip link set hsa7 up && ip link set hsb7 up');
  const made = await vm.exec('ip link add hsr7 type hsr slave1 hsa7 slave2 hsb7 supervision 45 version 1');
  // a VM kernel without HSR: an ipvlan stands in (also a link fleetnet does not create from this document)
  if (made.code !== 0) await vm.sh('ip link add hsr7 link hsa7 type ipvlan mode l2');
  assert.ok(await vm.link('hsr7'));
  await applied({ interfaces: [{ name: 'hsr7', type: made.code === 0 ? 'hsr' : 'unknown', state: 'absent' }] });
  await gone('hsr7');
  await vm.sh('ip link del hsa7');
});

test.run();
