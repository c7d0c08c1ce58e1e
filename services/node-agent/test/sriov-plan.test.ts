import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NetworkState } from '@fleetnet/contracts';
import { planSriov, PCI_OF } from '../src/sriov/plan.ts';
import type { SriovHardware } from '../src/sriov/read.ts';
import type { Operation } from '../src/backend.ts';

type SriovOp = Extract<Operation, { backend: 'sriov' }>;
const hw: SriovHardware = new Map([['pf0', { maxVfs: 8, perVfSysfs: true }], ['pf1', { maxVfs: 8, perVfSysfs: false }]]);
const writes = (ops: Operation[]) => ops.map((o) => { const s = o as SriovOp; return s.argv ? s.argv.join(' ') : `${s.path.replace('/sys/', '')}=${s.value}`; });
const actual: NetworkState = {
  interfaces: [{
    name: 'pf0', type: 'ethernet',
    ethernet: { 'sr-iov': { 'total-vfs': 2, vfs: [
      { id: 0, 'mac-address': '02:00:00:00:00:01', 'vlan-id': 0, qos: 0, 'spoof-check': true, trust: false, 'fleetnet.io/driver': 'iavf', 'fleetnet.io/pci-address': '0000:02:0a.0' },
      { id: 1, 'mac-address': '02:00:00:00:00:02', 'vlan-id': 0, qos: 0, 'spoof-check': true, trust: false, 'fleetnet.io/driver': 'iavf', 'fleetnet.io/pci-address': '0000:02:0a.1' },
    ] } },
  }],
};
const want = (sriov: object, name = 'pf0'): NetworkState => ({ interfaces: [{ name, type: 'ethernet', ethernet: { 'sr-iov': { 'total-vfs': 2, ...sriov } } }] });

test('in sync: empty plan (mac compared case-insensitively)', () => {
  assert.equal(planSriov(want({ vfs: [{ id: 0, 'mac-address': '02:00:00:00:00:01'.toUpperCase(), trust: false }], 'fleetnet.io/vf-driver': 'iavf' }), actual, hw, '/sys'), { operations: [], errors: [] });
});

test('only what differs on existing VFs, with known PCI addresses; driver: override, unbind, probe', () => {
  const p = planSriov(want({ vfs: [{ id: 1, 'vlan-id': 5, trust: true, 'fleetnet.io/driver': 'vfio-pci' }] }), actual, hw, '/sys');
  assert.equal(writes(p.operations), [
    'class/net/pf0/device/sriov/1/vlan=5',
    'class/net/pf0/device/sriov/1/trust=1',
    'class/net/pf0/device/virtfn1/driver_override=vfio-pci',
    'class/net/pf0/device/virtfn1/driver/unbind=0000:02:0a.1',
    'bus/pci/drivers_probe=0000:02:0a.1',
  ]);
});

test('count change: 0 first, then the new count; settings rewritten; new VFs addressed through virtfn links', () => {
  const p = planSriov({ interfaces: [{ name: 'pf0', type: 'ethernet', ethernet: { 'sr-iov': { 'total-vfs': 3, 'fleetnet.io/vf-driver': 'iavf', vfs: [{ id: 0, 'mac-address': '02:00:00:00:00:01' }] } } }] }, actual, hw, '/sys');
  const w = writes(p.operations);
  assert.equal(w.slice(0, 3), ['class/net/pf0/device/sriov_numvfs=0', 'class/net/pf0/device/sriov_numvfs=3', 'class/net/pf0/device/sriov/0/mac=02:00:00:00:00:01']);
  assert.is(w.filter((x) => x.includes('driver_override=iavf')).length, 3, 'recreated VFs: the driver is (re)bound on all');
  assert.ok(w.includes(`bus/pci/drivers_probe=${PCI_OF}/sys/class/net/pf0/device/virtfn2`));
  const fromZero = planSriov(want({}), { interfaces: [{ name: 'pf0', ethernet: { 'sr-iov': { 'total-vfs': 0 } } }] }, hw, '/sys');
  assert.equal(writes(fromZero.operations), ['class/net/pf0/device/sriov_numvfs=2'], 'no reset write when nothing is enabled');
});

test('without per-VF sysfs files: ip link set PF vf N commands (vlan and qos together)', () => {
  const p = planSriov(want({ vfs: [{ id: 1, qos: 3, 'spoof-check': false }] }, 'pf1'), { interfaces: [{ name: 'pf1', ethernet: { 'sr-iov': { 'total-vfs': 2, vfs: [{ id: 1, 'vlan-id': 7, qos: 0, 'spoof-check': true }] } } }] }, hw, '/sys');
  assert.equal(writes(p.operations), ['ip link set dev pf1 vf 1 vlan 7 qos 3', 'ip link set dev pf1 vf 1 spoofchk off']);
  assert.ok(p.operations.every((o) => o.stage === 'sriov'));
});

test('errors: unknown PF, too many VFs; unnamed PFs untouched', () => {
  assert.match(planSriov(want({}, 'eth7'), actual, hw, '/sys').errors[0]!.message, /not an SR-IOV capable/);
  const big = planSriov({ interfaces: [{ name: 'pf0', type: 'ethernet', ethernet: { 'sr-iov': { 'total-vfs': 64 } } }] }, actual, hw, '/sys');
  assert.equal(big.operations, []);
  assert.match(big.errors[0]!.message, /at most 8/);
  assert.equal(planSriov({ interfaces: [{ name: 'pf0', type: 'ethernet', mtu: 9000 }] }, actual, hw, '/sys').operations, []);
});

test.run();
