/**
 * nmstate's ovs-bridge options, patch ports, trunk id-ranges and the top-level ovs-db, against a
 * private Open vSwitch in a network namespace (userspace datapath); each step read back with
 * ovs-vsctl by the test.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NetworkState } from '@fleetnet/contracts';
import { createNetns, type Netns } from '../../../test/support/netns.ts';
import { ovsAvailable, startOvs, type OvsInstance } from '../../../test/support/ovs.ts';
import { testUnless } from '../../../test/support/skip.ts';
import { agentIn, type TestAgent } from './helpers.ts';

const skip = ovsAvailable();
let ns: Netns | undefined;
let ovs: OvsInstance | undefined;
let t: TestAgent | undefined;

test.before(async () => {
  if (skip) return;
  ns = createNetns('aovn');
  ovs = await startOvs(ns);
  t = agentIn(ns, { ovsDb: ovs.db });
});
test.after(() => {
  t?.cleanup();
  ovs?.stop();
  ns?.remove();
});

const noProbe = { probes: { gateway: false } };
// ovs-vsctl quotes a string that looks like a number
const get = (...args: string[]) => ovs!.vsctl('get', ...args).trim().replace(/^"(.*)"$/, '$1');

const bridges = (failMode: '' | 'secure', externalIds: Record<string, string | null>): NetworkState => ({
  interfaces: [
    { name: 'ob1', type: 'veth', state: 'up', veth: { peer: 'ob1p' } },
    { name: 'oi0', type: 'ovs-interface', state: 'up', ipv4: { enabled: true, address: [{ ip: '192.0.2.9', 'prefix-length': 24 }] } },
    {
      name: 'obr0', type: 'ovs-bridge', state: 'up',
      bridge: {
        options: { datapath: 'netdev', stp: true, rstp: false, 'mcast-snooping-enable': true, 'fail-mode': failMode },
        port: [
          { name: 'ob1', vlan: { mode: 'trunk', 'trunk-tags': [{ id: 10 }, { 'id-range': { min: 20, max: 25 } }] } },
          { name: 'oi0' },
          { name: 'pp0' },
        ],
      },
    },
    { name: 'pp0', type: 'ovs-interface', state: 'up', patch: { peer: 'pp1' } },
    { name: 'obr1', type: 'ovs-bridge', state: 'up', bridge: { options: { datapath: 'netdev' }, port: [{ name: 'pp1' }] } },
    { name: 'pp1', type: 'ovs-interface', state: 'up', patch: { peer: 'pp0' } },
  ],
  'ovs-db': { external_ids: externalIds, other_config: { 'stats-update-interval': '6000' } },
});

testUnless(test, skip, 'ovs-bridge options (stp as a boolean, rstp, mcast-snooping-enable, fail-mode), a trunk with an id-range, patch ports, ovs-db', async () => {
  const r = await t!.agent.apply(bridges('secure', { 'fleetnet-test': 'one' }), noProbe);
  assert.is(r.phase, 'Applied', r.error?.message);
  assert.ok(r.comparison.inSync, JSON.stringify(r.comparison.results.filter((x) => !x.inSync)));
  assert.is(ovs!.vsctl('get-fail-mode', 'obr0').trim(), 'secure');
  assert.equal([get('Bridge', 'obr0', 'stp_enable'), get('Bridge', 'obr0', 'rstp_enable'), get('Bridge', 'obr0', 'mcast_snooping_enable')], ['true', 'false', 'true']);
  assert.is(get('Port', 'ob1', 'trunks'), '[10, 20, 21, 22, 23, 24, 25]');
  assert.equal([get('Interface', 'pp0', 'type'), get('Interface', 'pp0', 'options:peer'), get('Interface', 'pp1', 'options:peer')], ['patch', 'pp1', 'pp0']);
  assert.is(get('Open_vSwitch', '.', 'external_ids:fleetnet-test'), 'one');
  assert.is(get('Open_vSwitch', '.', 'other_config:stats-update-interval'), '6000');
  const read = await t!.agent.read();
  assert.equal(read.interfaces?.find((i) => i.name === 'pp0')?.patch, { peer: 'pp1' }, 'the patch port is reported with its peer');
});

testUnless(test, skip, 'the same document again plans nothing (the trunk reads back as the same range)', async () => {
  const p = await t!.agent.plan(bridges('secure', { 'fleetnet-test': 'one' }));
  assert.equal(p.errors, []);
  assert.equal(p.operations.map((o) => o.description), []);
});

testUnless(test, skip, 'fail-mode "" clears it (OVS default); an ovs-db key set to null is removed, keys not named stay', async () => {
  ovs!.vsctl('set', 'Open_vSwitch', '.', 'external_ids:keep-me=yes');
  const r = await t!.agent.apply(bridges('', { 'fleetnet-test': null }), noProbe);
  assert.is(r.phase, 'Applied', r.error?.message);
  assert.ok(r.comparison.inSync, JSON.stringify(r.comparison.results.filter((x) => !x.inSync)));
  assert.is(ovs!.vsctl('get-fail-mode', 'obr0').trim(), '');
  assert.not.match(ovs!.vsctl('get', 'Open_vSwitch', '.', 'external_ids'), /fleetnet-test/);
  assert.is(get('Open_vSwitch', '.', 'external_ids:keep-me'), 'yes');
});

testUnless(test, skip, 'undo: both bridges absent (the patch ports go with them)', async () => {
  const r = await t!.agent.apply({
    interfaces: [
      { name: 'obr0', type: 'ovs-bridge', state: 'absent' },
      { name: 'obr1', state: 'absent' },
      { name: 'ob1', type: 'veth', state: 'absent' },
    ],
  }, noProbe);
  assert.is(r.phase, 'Applied', r.error?.message);
  assert.is(ovs!.vsctl('list-br').trim(), '');
});

test.run();
