import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NetworkState } from '@fleetnet/contracts';
import { createNetns, vethPair, type Netns } from '../../../test/support/netns.ts';
import { ovsAvailable, startOvs, type OvsInstance } from '../../../test/support/ovs.ts';
import { testUnless } from '../../../test/support/skip.ts';
import { addrs, agentIn, link, type TestAgent } from './helpers.ts';

let host: Netns | undefined;
let peer: Netns | undefined;
let ovs: OvsInstance | undefined;
let t: TestAgent | undefined;

test.after(() => {
  t?.cleanup();
  ovs?.stop();
  peer?.remove();
  host?.remove();
});

/** The whole agent: linux creates the veths, OVS builds the bridge, linux puts the address on the internal port. */
const desired = (tag: number): NetworkState => ({
  interfaces: [
    { name: 'b1', type: 'veth', veth: { peer: 'b1p' } },
    { name: 'b2', type: 'veth', veth: { peer: 'b2p' } },
    {
      name: 'ovsbr0', type: 'ovs-bridge',
      bridge: {
        options: { datapath: 'netdev' },
        port: [
          { name: 'bond0', 'link-aggregation': { mode: 'balance-slb', port: [{ name: 'b1' }, { name: 'b2' }] } },
          { name: 'int0', vlan: { mode: 'access', tag } },
          { name: 'vt', vlan: { mode: 'access', tag } },
        ],
      },
    },
    { name: 'int0', type: 'ovs-interface', state: 'up', mtu: 1400, ipv4: { address: [{ ip: '10.77.0.1', 'prefix-length': 24 }] } },
    { name: 'vt', state: 'up' },
  ],
});

const pingsWithin = async (from: Netns, ip: string, tries: number) => {
  for (let i = 0; i < tries; i++) {
    try {
      from.exec('ping', ['-c', '1', '-W', '1', ip]);
      return true;
    } catch {
      // the userspace datapath learns after a reconfiguration
    }
  }
  return false;
};

testUnless(test, ovsAvailable(), 'agent: OVS bridge with a bond and a VLAN-tagged internal port with an address; a peer pings it; the tag changes', async () => {
  host = createNetns('aovh');
  peer = createNetns('aovp');
  ovs = await startOvs(host);
  t = agentIn(host, { ovsDb: ovs.db });
  vethPair(host, 'vt', peer, 'vpeer');
  peer.ip('addr', 'add', '10.77.0.2/24', 'dev', 'vpeer');
  peer.ip('link', 'set', 'vpeer', 'up');

  const r = await t.agent.apply(desired(10), { probes: { gateway: false } });
  assert.is(r.phase, 'Applied', `${r.error?.message}\n${r.operations.map((o) => o.description).join('\n')}`);
  const stages = r.operations.map((o) => o.stage);
  assert.ok(stages.indexOf('linux-create') < stages.indexOf('ovs') && stages.indexOf('ovs') < stages.indexOf('linux-configure'), stages.join(','));
  assert.equal(addrs(host, 'int0'), ['10.77.0.1/24']);
  assert.is(link(host, 'int0').mtu, 1400);
  assert.is(ovs.vsctl('get', 'port', 'int0', 'tag').trim(), '10');
  assert.is(ovs.vsctl('get', 'port', 'bond0', 'bond_mode').trim(), 'balance-slb');
  assert.ok(await pingsWithin(peer, '10.77.0.1', 10), 'peer on VLAN 10 reaches the internal port');
  assert.equal((await t.agent.plan(desired(10))).operations, [], 'second plan is empty');

  const r2 = await t.agent.apply(desired(20), { probes: { gateway: false } });
  assert.is(r2.phase, 'Applied', r2.error?.message);
  assert.ok(r2.operations.every((o) => o.backend === 'ovs'), r2.operations.map((o) => o.description).join('\n'));
  assert.is(ovs.vsctl('get', 'port', 'int0', 'tag').trim(), '20');
  assert.ok(await pingsWithin(peer, '10.77.0.1', 10), 'the ping follows the tag change');
});

test.run();
