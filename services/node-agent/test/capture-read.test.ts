/**
 * What nmstate's capture needs from a host's report (issue 16): the agent reads description (ifalias),
 * alt-names, and the kernel's routes, and a capture over routes.running and alt-names finds them.
 * Real network namespace.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderPolicy } from '@fleetnet/contracts';
import { createNetns, type Netns } from '../../../test/support/netns.ts';
import { agentIn, type TestAgent } from './helpers.ts';

let ns: Netns;
let t: TestAgent;

test.before(() => {
  ns = createNetns('cap');
  t = agentIn(ns);
  ns.ip('link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up0p');
  ns.ip('link', 'set', 'up0p', 'up');
  ns.ip('link', 'set', 'up0', 'alias', 'uplink to rack 7');
  ns.ip('link', 'set', 'up0', 'up');
  ns.ip('addr', 'add', '192.0.2.10/24', 'dev', 'up0');
  ns.ip('route', 'add', 'default', 'via', '192.0.2.1', 'dev', 'up0');
});
test.after(() => {
  t.cleanup();
  ns.remove();
});

test('the report carries description, alt-names and routes; a capture on routes.running and alt-names renders from it', async () => {
  let altname = true;
  try {
    ns.ip('link', 'property', 'add', 'dev', 'up0', 'altname', 'uplink-rack7');
  } catch (e) {
    altname = false; // kernels before 5.5 have no alternative names
    console.log(`SKIP alt-names part: ip link property add altname refused (${(e as Error).message.split('\n')[0]})`);
  }
  const state = await t.agent.read();
  const up0 = state.interfaces?.find((i) => i.name === 'up0');
  assert.is(up0?.description, 'uplink to rack 7');
  if (altname) assert.equal(up0?.['alt-names'], [{ name: 'uplink-rack7' }]);
  assert.ok(state.routes?.config?.some((r) => r.destination === '0.0.0.0/0' && r['next-hop-interface'] === 'up0'), JSON.stringify(state.routes));
  const r = renderPolicy({
    policy: {
      capture: {
        gw: 'routes.running.destination == "0.0.0.0/0"',
        base: 'interfaces.name == capture.gw.routes.running.0.next-hop-interface',
        ...(altname ? { alt: 'interfaces.alt-names.0.name == "uplink-rack7"' } : {}),
      },
      desiredState: { interfaces: [{ name: '{{ capture.base.interfaces.0.name }}', description: '{{ capture.base.interfaces.0.description }}', mtu: 9000 }] },
    },
    current: state,
  });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  if (r.ok) assert.equal(r.state.interfaces, [{ name: 'up0', description: 'uplink to rack 7', mtu: 9000 }]);
});

test.run();
