import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NetworkState } from '@fleetnet/contracts';
import { createNetns, type Netns } from '../../../test/support/netns.ts';
import { probeKernel } from '../../../test/support/kernel.ts';
import { testUnless } from '../../../test/support/skip.ts';
import { agentIn, link, links, type TestAgent } from './helpers.ts';

let ns: Netns;
let t: TestAgent;
const kernel = probeKernel();

test.before(() => {
  ns = createNetns('lk');
  t = agentIn(ns);
  ns.ip('link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up0p');
  ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'up0');
  ns.ip('link', 'set', 'up0', 'up');
});
test.after(() => {
  t.cleanup();
  ns.remove();
});

const macvlanVxlan: NetworkState = {
  interfaces: [
    { name: 'mv0', type: 'macvlan', macvlan: { 'base-iface': 'up0', mode: 'bridge' }, ipv4: { address: [{ ip: '198.51.100.1', 'prefix-length': 24 }] } },
    { name: 'vx0', type: 'vxlan', vxlan: { id: 4242, remote: '192.0.2.9', local: '192.0.2.1', 'base-iface': 'up0', 'destination-port': 4790 }, mtu: 1450 },
  ],
};

testUnless(test, kernel.macvlan ?? kernel.vxlan, 'macvlan and vxlan created, read back from the kernel', async () => {
  const r = await t.agent.apply(macvlanVxlan, { probes: { gateway: false } });
  assert.is(r.phase, 'Applied', r.error?.message);
  const mv = link(ns, 'mv0');
  assert.is(mv.linkinfo.info_kind, 'macvlan');
  assert.is(mv.linkinfo.info_data.mode, 'bridge');
  assert.is(mv.link, 'up0');
  assert.ok(mv.flags.includes('UP'), 'a new interface is brought up');
  const vx = link(ns, 'vx0');
  assert.is(vx.linkinfo.info_kind, 'vxlan');
  assert.is(vx.linkinfo.info_data.id, 4242);
  assert.is(vx.linkinfo.info_data.remote, '192.0.2.9');
  assert.is(vx.linkinfo.info_data.port, 4790);
  assert.is(vx.linkinfo.info_data.link, 'up0');
  assert.is(vx.mtu, 1450);
  const again = await t.agent.plan(macvlanVxlan);
  assert.equal(again.operations, [], 'nothing left to do');
});

testUnless(test, kernel.vxlan, 'a vxlan whose id changes is re-created', async () => {
  const changed: NetworkState = { interfaces: [macvlanVxlan.interfaces![0]!, { ...macvlanVxlan.interfaces![1]!, vxlan: { ...macvlanVxlan.interfaces![1]!.vxlan!, id: 4343 } }] };
  const r = await t.agent.apply(changed, { probes: { gateway: false } });
  assert.is(r.phase, 'Applied', r.error?.message);
  assert.equal(r.operations.filter((o) => o.target === 'vx0' && /link (del|add)/.test(o.description)).map((o) => o.stage), ['linux-remove', 'linux-create']);
  assert.is(link(ns, 'vx0').linkinfo.info_data.id, 4343);
});

test('interfaces fleetnet created and a later state no longer names are removed; others are left alone', async () => {
  // up0 was made by the test, not by fleetnet: not naming it must not remove it.
  const r = await t.agent.apply({ interfaces: [{ name: 'only0', type: 'veth', veth: { peer: 'only0p' } }] }, { probes: { gateway: false } });
  assert.is(r.phase, 'Applied', r.error?.message);
  const names = links(ns);
  assert.ok(names.includes('only0') && names.includes('only0p'));
  assert.not.ok(names.includes('mv0'), 'macvlan removed');
  assert.not.ok(names.includes('vx0'), 'vxlan removed');
  assert.ok(names.includes('up0'), 'unnamed interface fleetnet did not create is left alone');
});

test('macvlan and vxlan removed with state: absent', async () => {
  const only0 = { name: 'only0', type: 'veth' as const, veth: { peer: 'only0p' } };
  await t.agent.apply({ interfaces: [...macvlanVxlan.interfaces!, only0] }, { probes: { gateway: false } });
  assert.ok(links(ns).includes('mv0'));
  const r = await t.agent.apply({ interfaces: [{ name: 'mv0', state: 'absent' }, { name: 'vx0', state: 'absent' }, only0] }, { probes: { gateway: false } });
  assert.is(r.phase, 'Applied', r.error?.message);
  assert.equal(r.operations.map((o) => o.description).sort(), ['ip link del mv0', 'ip link del vx0']);
  const names = links(ns);
  assert.not.ok(names.includes('mv0'));
  assert.not.ok(names.includes('vx0'));
  assert.ok(names.includes('up0'));
});

// Kernel bonds and 802.1Q VLANs run in the VM (test/vm/), on a kernel that has them.

test('a link type the kernel lacks is refused at plan time with the reason', async () => {
  const missing = kernel.bond ? 'bond' : kernel.vlan ? 'vlan' : kernel.dummy ? 'dummy' : undefined;
  if (!missing) {
    console.log('SKIP-NOTE: this kernel has bond, vlan and dummy; nothing to refuse');
    return;
  }
  const iface = missing === 'bond'
    ? { name: 'nb0', type: 'bond' as const, 'link-aggregation': { mode: 'active-backup' as const } }
    : missing === 'vlan' ? { name: 'nv0', type: 'vlan' as const, vlan: { 'base-iface': 'up0', id: 5 } } : { name: 'nd0', type: 'dummy' as const };
  const before = links(ns);
  const r = await t.agent.apply({ interfaces: [iface] }, { probes: { gateway: false } });
  assert.is(r.phase, 'Failed');
  assert.match(r.error!.message, new RegExp(`cannot create ${missing} "${iface.name}": the kernel cannot create ${missing} links`));
  assert.is(r.executed, 0);
  assert.equal(links(ns), before);
});

test.run();
