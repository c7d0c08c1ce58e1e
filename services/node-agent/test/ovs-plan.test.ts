import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import type { Interface, NetworkState } from '@fleetnet/contracts';
import { planOvs } from '../src/ovs/plan/index.ts';
import { interfaceErrors, ovsStateFromTables, type OvsTables } from '../src/ovs/read.ts';
import { transactionArgs } from '../src/ovs/apply.ts';
import type { Operation } from '../src/backend.ts';

type OvsOp = Extract<Operation, { backend: 'ovs' }>;
const none = { created: new Set<string>() };
const args = (p: { operations: Operation[] }) => p.operations.map((o) => (o as OvsOp).args.join(' '));

const bridge = (name: string, port: NonNullable<Interface['bridge']>['port'], extra: Partial<Interface> = {}): Interface => ({
  name, type: 'ovs-bridge', bridge: { options: { datapath: 'netdev', stp: { enabled: false } }, ...(port ? { port } : {}) }, ...extra,
});
const actual: NetworkState = {
  interfaces: [
    bridge('br0', [
      { name: 'bond0', 'link-aggregation': { mode: 'balance-slb', port: [{ name: 'va' }, { name: 'vc' }] } },
      { name: 'int0', vlan: { mode: 'access', tag: 10 } },
      { name: 'vt', vlan: { mode: 'access', tag: 10 } },
    ]),
    bridge('br1', [{ name: 'x1' }]),
    { name: 'int0', type: 'ovs-interface', controller: 'br0' },
  ],
};

test('read: OVSDB tables become ovs-bridge (ports, bond, tags, datapath, stp) and ovs-interface entries', () => {
  const tables = JSON.parse(readFileSync(new URL('./fixtures/ovs-tables.json', import.meta.url), 'utf8')) as OvsTables;
  const s = ovsStateFromTables(tables);
  assert.equal(s.interfaces, [
    {
      name: 'br0', type: 'ovs-bridge',
      bridge: {
        options: { datapath: 'netdev', stp: { enabled: true }, rstp: false, 'mcast-snooping-enable': false, 'fail-mode': '' },
        port: [
          { name: 'bond0', 'link-aggregation': { mode: 'balance-slb', port: [{ name: 'va' }, { name: 'vc' }] } },
          { name: 'int0', vlan: { mode: 'access', tag: 10 } },
          { name: 'up0', vlan: { mode: 'trunk', tag: 5, 'trunk-tags': [{ id: 20 }, { id: 30 }] } },
        ],
      },
    },
    { name: 'int0', type: 'ovs-interface', controller: 'br0' },
  ]);
  assert.equal([...interfaceErrors(tables.interface)], [['up0', 'could not open network device up0 (No such device)']]);
});

test('create: removals first, bridge before its ports, internal ports typed, options in the creating transaction', () => {
  const desired: NetworkState = {
    interfaces: [
      { name: 'br1', type: 'ovs-bridge', state: 'absent' },
      bridge('br9', [
        { name: 'bond9', 'link-aggregation': { mode: 'active-backup', port: [{ name: 'e2' }, { name: 'e1' }] }, vlan: { mode: 'trunk', 'trunk-tags': [{ id: 30 }, { id: 20 }] } },
        { name: 'i9', vlan: { mode: 'access', tag: 9 } },
      ], { bridge: { options: { datapath: 'netdev', stp: { enabled: true } }, port: [
        { name: 'bond9', 'link-aggregation': { mode: 'active-backup', port: [{ name: 'e2' }, { name: 'e1' }] }, vlan: { mode: 'trunk', 'trunk-tags': [{ id: 30 }, { id: 20 }] } },
        { name: 'i9', vlan: { mode: 'access', tag: 9 } },
      ] } }),
      { name: 'i9', type: 'ovs-interface' },
    ],
  };
  const p = planOvs(desired, actual, none);
  assert.equal(p.errors, []);
  assert.equal(args(p), [
    '--if-exists del-br br1',
    '--may-exist add-br br9',
    'set bridge br9 datapath_type=netdev stp_enable=true',
    '--may-exist add-bond br9 bond9 e1 e2 bond_mode=active-backup vlan_mode=trunk trunks=20,30',
    '--may-exist add-port br9 i9 tag=9',
    'set interface i9 type=internal',
  ]);
  assert.ok(p.operations.every((o) => o.stage === 'ovs'));
  assert.equal(transactionArgs(p.operations as OvsOp[]).slice(0, 5), ['--', '--if-exists', 'del-br', 'br1', '--']);
});

test('in sync: empty plan; a tag change is an in-place set', () => {
  const same = { interfaces: [actual.interfaces![0]!, { name: 'int0', type: 'ovs-interface' as const }] };
  assert.equal(planOvs(same, actual, none), { operations: [], errors: [] });
  const retag = structuredClone(same);
  retag.interfaces[0]!.bridge!.port![1]!.vlan = { mode: 'access', tag: 20 };
  assert.equal(args(planOvs(retag, actual, none)), ['set port int0 tag=20']);
  const toTrunk = structuredClone(same);
  toTrunk.interfaces[0]!.bridge!.port![2]!.vlan = { mode: 'trunk', tag: 7, 'trunk-tags': [{ id: 8 }] };
  assert.equal(args(planOvs(toTrunk, actual, none)), ['set port vt vlan_mode=native-untagged tag=7 trunks=8']);
});

test('partial editing: unnamed bridges untouched, a port list is complete, a bridge without port list keeps its ports', () => {
  // br0 not named at all: nothing happens to it or to br1.
  assert.equal(planOvs({ interfaces: [bridge('br2', [])] }, actual, none).operations.length, 2);
  assert.not.ok(args(planOvs({ interfaces: [bridge('br2', [])] }, actual, none)).some((a) => a.includes('br0') || a.includes('br1')));
  // br0 named without a port list: ports stay; only the option changes.
  assert.equal(args(planOvs({ interfaces: [{ name: 'br0', type: 'ovs-bridge', bridge: { options: { stp: { enabled: true } } } }] }, actual, none)), ['set bridge br0 stp_enable=true']);
  // br0 named with a shorter port list: the others are removed.
  assert.equal(args(planOvs({ interfaces: [bridge('br0', [{ name: 'vt', vlan: { mode: 'access', tag: 10 } }])] }, actual, none)), [
    '--if-exists del-port bond0',
    '--if-exists del-port int0',
  ]);
  // absent ovs-interface: its port goes.
  assert.equal(args(planOvs({ interfaces: [{ name: 'int0', type: 'ovs-interface', state: 'absent' }] }, actual, none)), ['--if-exists del-port int0']);
});

test('bond member change replaces the bond in the same transaction; a port moving between bridges is freed first', () => {
  const d: NetworkState = { interfaces: [bridge('br0', [
    { name: 'bond0', 'link-aggregation': { mode: 'balance-slb', port: [{ name: 'va' }, { name: 'x1' }] } },
    { name: 'int0', vlan: { mode: 'access', tag: 10 } },
    { name: 'vt', vlan: { mode: 'access', tag: 10 } },
  ]), { name: 'int0', type: 'ovs-interface' }] };
  assert.equal(args(planOvs(d, actual, none)), [
    '--if-exists del-port bond0',
    '--if-exists del-port x1',
    '--may-exist add-bond br0 bond0 va x1 bond_mode=balance-slb',
  ]);
});

test('created by fleetnet and no longer named: removed; created but named elsewhere as a port: kept', () => {
  assert.equal(args(planOvs({ interfaces: [] }, actual, { created: new Set(['br1', 'int0', 'eth0']) })), [
    '--if-exists del-port int0',
    '--if-exists del-br br1',
  ]);
  const keep = { interfaces: [bridge('br0', [{ name: 'bond0', 'link-aggregation': { mode: 'balance-slb' as const, port: [{ name: 'va' }, { name: 'vc' }] } }, { name: 'int0', vlan: { mode: 'access' as const, tag: 10 } }, { name: 'vt', vlan: { mode: 'access' as const, tag: 10 } }])] };
  assert.equal(args(planOvs(keep, actual, { created: new Set(['int0']) })), []);
});

test('errors stop the plan: type clash with a Linux link, ovs-interface outside any bridge, a bridge as a port', () => {
  const withLinux: NetworkState = { interfaces: [...actual.interfaces!, { name: 'lb0', type: 'linux-bridge' }] };
  const p1 = planOvs({ interfaces: [bridge('lb0', [])] }, withLinux, none);
  assert.equal(p1.operations, []);
  assert.match(p1.errors[0]!.message, /exists as a linux-bridge/);
  assert.is(p1.errors[0]!.path, 'interfaces[0].type');
  const p2 = planOvs({ interfaces: [{ name: 'lonely', type: 'ovs-interface' }] }, actual, none);
  assert.match(p2.errors[0]!.message, /must be listed in the port list of an ovs-bridge/);
  const p3 = planOvs({ interfaces: [bridge('br5', [{ name: 'br1' }])] }, actual, none);
  assert.match(p3.errors[0]!.message, /"br1" is an ovs-bridge/);
  assert.is(p3.errors[0]!.path, 'interfaces[0].bridge.port[0].name');
  const p4 = planOvs({ interfaces: [{ name: 'br0', type: 'linux-bridge' }] }, actual, none);
  assert.match(p4.errors[0]!.message, /exists as an ovs-bridge/);
});

test.run();
