import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import { compare, type NetworkState } from '@fleetnet/contracts';
import { createRunner } from '../src/exec.ts';
import { createOvsBackend } from '../src/ovs/index.ts';
import { ExecutionError, type Operation } from '../src/backend.ts';
import { createNetns, vethPair, type Netns } from '../../../test/support/netns.ts';
import { ovsAvailable, startOvs, type OvsInstance } from '../../../test/support/ovs.ts';
import { testUnless } from '../../../test/support/skip.ts';

const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const noCreated = { created: new Set<string>() };

/** Issue test 3: host namespace with OVS (bond of two veths, VLAN-tagged internal port), peer namespace on a tagged port. */
function desiredState(internalTag: number, peerTag: number): NetworkState {
  return {
    interfaces: [
      {
        name: 'ovsbr0',
        type: 'ovs-bridge',
        bridge: {
          options: { datapath: 'netdev', stp: { enabled: false } },
          port: [
            { name: 'bond0', 'link-aggregation': { mode: 'balance-slb', port: [{ name: 'b1' }, { name: 'b2' }] } },
            { name: 'int0', vlan: { mode: 'access', tag: internalTag } },
            { name: 'vt', vlan: { mode: 'access', tag: peerTag } },
          ],
        },
      },
      { name: 'int0', type: 'ovs-interface' },
    ],
  };
}

const pings = (from: Netns, ip: string): boolean => {
  try {
    execFileSync('ip', ['netns', 'exec', from.name, 'ping', '-c', '1', '-W', '1', ip], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Ping with retries: the userspace datapath takes a moment to learn after a reconfiguration. */
async function pingsWithin(from: Netns, ip: string, tries: number): Promise<boolean> {
  for (let i = 0; i < tries; i++) if (pings(from, ip)) return true;
  return false;
}

let host: Netns | undefined;
let peer: Netns | undefined;
let ovs: OvsInstance | undefined;

test.after(() => {
  ovs?.stop();
  peer?.remove();
  host?.remove();
});

testUnless(test, ovsAvailable(), 'OVS bridge with bond + VLAN-tagged internal port; ping follows a tag change', async () => {
  host = createNetns('ovsh');
  peer = createNetns('ovsp');
  ovs = await startOvs(host);
  const backend = createOvsBackend({ db: ovs.db, run: createRunner({ log, netns: host.name }), log });

  // What the linux backend does before the ovs stage: the veths exist.
  host.ip('link', 'add', 'b1', 'type', 'veth', 'peer', 'name', 'b1p');
  host.ip('link', 'add', 'b2', 'type', 'veth', 'peer', 'name', 'b2p');
  vethPair(host, 'vt', peer, 'vpeer');

  assert.equal((await backend.read()).interfaces, [], 'a fresh OVS has no bridges');
  const desired = desiredState(10, 10);
  const plan = backend.plan(desired, await backend.read(), noCreated);
  assert.equal(plan.errors, []);
  assert.ok(plan.operations.length >= 5, `expected bridge, bond and ports, got ${JSON.stringify(plan.operations)}`);
  assert.ok(plan.operations.every((o) => o.stage === 'ovs' && o.backend === 'ovs'));
  await backend.execute(plan.operations);

  // What the linux backend does after the ovs stage: addresses and links up.
  for (const l of ['b1', 'b1p', 'b2', 'b2p', 'vt', 'int0', 'ovsbr0']) host.ip('link', 'set', l, 'up');
  host.ip('addr', 'add', '10.77.0.1/24', 'dev', 'int0');
  peer.ip('link', 'set', 'vpeer', 'up');
  peer.ip('addr', 'add', '10.77.0.2/24', 'dev', 'vpeer');

  // Read back with our reader...
  const actual = await backend.read();
  const cmp = compare(desired, actual);
  assert.ok(cmp.inSync, JSON.stringify(cmp.results.filter((r) => !r.inSync)));
  const br = actual.interfaces?.find((i) => i.name === 'ovsbr0');
  assert.equal(br?.type, 'ovs-bridge');
  assert.equal(br?.bridge?.options?.datapath, 'netdev');
  assert.equal(br?.bridge?.port?.map((p) => p.name), ['bond0', 'int0', 'vt']);
  assert.equal(br?.bridge?.port?.[0]?.['link-aggregation'], { mode: 'balance-slb', port: [{ name: 'b1' }, { name: 'b2' }] });
  assert.equal(actual.interfaces?.find((i) => i.name === 'int0'), { name: 'int0', type: 'ovs-interface', controller: 'ovsbr0' });
  // ...and independently with ovs-vsctl.
  assert.equal(ovs.vsctl('list-br').trim(), 'ovsbr0');
  assert.equal(ovs.vsctl('list-ports', 'ovsbr0').trim().split('\n').sort(), ['bond0', 'int0', 'vt']);
  assert.equal(ovs.vsctl('get', 'bridge', 'ovsbr0', 'datapath_type').trim(), 'netdev');
  assert.equal(ovs.vsctl('get', 'port', 'bond0', 'bond_mode').trim(), 'balance-slb');
  assert.equal(ovs.vsctl('list-ifaces', 'ovsbr0').trim().split('\n').sort(), ['b1', 'b2', 'int0', 'vt']);
  assert.equal(ovs.vsctl('get', 'port', 'int0', 'tag').trim(), '10');
  assert.equal(ovs.vsctl('get', 'port', 'vt', 'tag').trim(), '10');
  assert.equal(ovs.vsctl('get', 'interface', 'int0', 'type').trim(), 'internal');

  assert.ok(await pingsWithin(peer, '10.77.0.1', 10), 'peer on VLAN 10 reaches the internal port on VLAN 10');

  // Same state again: nothing to do.
  assert.equal(backend.plan(desired, await backend.read(), noCreated), { operations: [], errors: [] });

  // Change the tag on both sides: two in-place `set port X tag=20`, and the ping follows.
  const to20 = backend.plan(desiredState(20, 20), await backend.read(), noCreated);
  assert.equal(to20.operations.map((o) => (o as Extract<Operation, { backend: 'ovs' }>).args), [
    ['set', 'port', 'int0', 'tag=20'],
    ['set', 'port', 'vt', 'tag=20'],
  ]);
  await backend.execute(to20.operations);
  assert.equal(ovs.vsctl('get', 'port', 'int0', 'tag').trim(), '20');
  assert.equal(ovs.vsctl('get', 'port', 'vt', 'tag').trim(), '20');
  assert.ok(await pingsWithin(peer, '10.77.0.1', 10), 'ping follows the tag change to 20');

  // Mismatched tags: the peer's port on 30, the internal port on 20: no ping.
  const mismatch = backend.plan(desiredState(20, 30), await backend.read(), noCreated);
  assert.equal(mismatch.operations.length, 1);
  await backend.execute(mismatch.operations);
  assert.equal(ovs.vsctl('get', 'port', 'vt', 'tag').trim(), '30');
  assert.not.ok(await pingsWithin(peer, '10.77.0.1', 3), 'a mismatched tag must cut the ping');
  assert.ok(compare(desiredState(20, 30), await backend.read()).inSync);

  await backend.execute(backend.plan(desiredState(20, 20), await backend.read(), noCreated).operations);
  assert.ok(await pingsWithin(peer, '10.77.0.1', 10), 'matching tags again: ping works');

  // Removal: absent removes the bridge with its ports (internal port included).
  const removal = backend.plan({ interfaces: [{ name: 'ovsbr0', type: 'ovs-bridge', state: 'absent' }] }, await backend.read(), noCreated);
  assert.equal(removal.operations.length, 1);
  await backend.execute(removal.operations);
  assert.equal(ovs.vsctl('list-br').trim(), '');
  assert.equal((await backend.read()).interfaces, []);
  assert.not.ok(pings(peer, '10.77.0.1'));
});

testUnless(test, ovsAvailable(), 'OVS transaction is all-or-nothing and a port whose device is missing fails the execution', async () => {
  const ns = createNetns('ovst');
  const o = await startOvs(ns);
  try {
    const backend = createOvsBackend({ db: o.db, run: createRunner({ log, netns: ns.name }), log });
    ns.ip('link', 'add', 'p1', 'type', 'veth', 'peer', 'name', 'p1p');
    await backend.execute(backend.plan({ interfaces: [{ name: 'brx', type: 'ovs-bridge', bridge: { options: { datapath: 'netdev' }, port: [{ name: 'p1' }] } }] }, await backend.read(), noCreated).operations);
    const before = await backend.read();

    // A bond member that is already a port elsewhere in the same transaction without a move is rejected by OVS as a whole.
    const bad: Operation[] = [
      { backend: 'ovs', stage: 'ovs', target: 'bry', description: 'create bry', args: ['add-br', 'bry'] },
      { backend: 'ovs', stage: 'ovs', target: 'p1', description: 'p1 twice', args: ['add-port', 'bry', 'p1'] },
    ];
    const err = await backend.execute(bad).then(() => undefined, (e: unknown) => e);
    assert.instance(err, ExecutionError);
    assert.match((err as ExecutionError).message, /ovs-vsctl failed/);
    assert.equal(await backend.read(), before, 'nothing of the rejected transaction was applied');

    // A port whose device does not exist: ovs-vsctl accepts it, the backend must not.
    const missing = backend.plan({ interfaces: [{ name: 'brx', type: 'ovs-bridge', bridge: { port: [{ name: 'p1' }, { name: 'nosuchdev' }] } }] }, before, noCreated);
    const err2 = await backend.execute(missing.operations).then(() => undefined, (e: unknown) => e);
    assert.instance(err2, ExecutionError);
    assert.match((err2 as ExecutionError).message, /nosuchdev/);
  } finally {
    o.stop();
    ns.remove();
  }
});

test('reading without a running OVS gives no interfaces, applying gives a clear error', async () => {
  const backend = createOvsBackend({ db: 'unix:/nonexistent/fleetnet-no-ovs.sock', run: createRunner({ log }), log });
  assert.equal(await backend.read(), { interfaces: [] });
  const err = await backend.execute([{ backend: 'ovs', stage: 'ovs', target: 'b', description: 'x', args: ['add-br', 'b'] }]).then(() => undefined, (e: unknown) => e);
  assert.instance(err, ExecutionError);
  assert.match((err as ExecutionError).message, /not running|unreachable/);
});

test.run();
