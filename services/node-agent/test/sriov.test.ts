import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pino } from 'pino';
import { compare, resolveNicMatches, type Interface, type NetworkState } from '@fleetnet/contracts';
import { createRunner } from '../src/exec.ts';
import { createSriovBackend } from '../src/sriov/index.ts';
import { ExecutionError, type Operation } from '../src/backend.ts';
import { buildSriovFixture, FixtureKernel } from './fixtures/sriov-fixture.ts';

const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const ctx = { created: new Set<string>() };
const roots: string[] = [];
test.after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function setup() {
  const root = buildSriovFixture();
  roots.push(root);
  const kernel = new FixtureKernel(root);
  const backend = createSriovBackend({ root, run: createRunner({ log }), log, afterWrite: kernel.afterWrite });
  const pfDev = join(root, 'class/net/eno1/device');
  const sys = (p: string) => readFileSync(join(pfDev, p), 'utf8').trim();
  return { root, kernel, backend, pfDev, sys };
}

const sriovOf = (s: NetworkState, name: string) => s.interfaces?.find((i) => i.name === name)?.ethernet?.['sr-iov'];

test('read: PCI identity of every NIC, SR-IOV PFs with total/num VFs', async () => {
  const { backend } = setup();
  const nics = backend.readNics();
  assert.equal(nics.map((n) => n.name), ['eno1', 'eno2', 'eth9']);
  assert.equal(nics[0], {
    name: 'eno1', pciAddress: '0000:01:00.1', mac: 'b4:96:91:70:19:38', vendorId: '8086', deviceId: '1572', driver: 'i40e',
    sriovTotalVfs: 8, sriovNumVfs: 0,
  });
  assert.is(nics[2]?.sriovTotalVfs, undefined);
  const state = await backend.read();
  const eno1 = state.interfaces?.find((i) => i.name === 'eno1');
  assert.equal(eno1?.['fleetnet.io/pci'], { address: '0000:01:00.1', 'vendor-id': '8086', 'device-id': '1572', driver: 'i40e' });
  assert.equal(eno1?.ethernet?.['sr-iov'], { 'total-vfs': 0, vfs: [], 'drivers-autoprobe': true });
  assert.equal(state.interfaces?.find((i) => i.name === 'eth9')?.ethernet, undefined);
  assert.equal(state.interfaces?.find((i) => i.name === 'eth9')?.['fleetnet.io/pci']?.address, '0000:05:00.0');
});

const selectors: [string, Interface][] = [
  ['name', { name: 'eno1', type: 'ethernet' }],
  ['vendor+device id', { name: 'sriov-nic', type: 'ethernet', 'fleetnet.io/match': { 'vendor-id': '8086', 'device-id': '1572' } }],
  ['PCI address', { name: 'sriov-nic', type: 'ethernet', 'fleetnet.io/match': { 'pci-address': '0000:01:00.1' } }],
];

for (const [how, selector] of selectors) {
  test(`4 VFs with per-VF settings and driver on a PF selected by ${how}; then lowering the count`, async () => {
    const { backend, pfDev, sys, root } = setup();
    const desired: NetworkState = {
      interfaces: [{
        ...selector,
        ethernet: {
          'sr-iov': {
            'total-vfs': 4,
            'fleetnet.io/vf-driver': 'vfio-pci',
            vfs: [
              { id: 0, 'mac-address': '02:00:00:00:00:0A', 'vlan-id': 100, qos: 2, 'spoof-check': false, trust: true },
              { id: 3, 'mac-address': '02:00:00:00:00:0d', 'fleetnet.io/driver': 'iavf' },
            ],
          },
        },
      }],
    };
    const resolved = resolveNicMatches(desired, backend.readNics());
    assert.equal(resolved.errors, []);
    assert.equal(resolved.state.interfaces?.map((i) => i.name), ['eno1'], 'only the Intel PF matches');

    const plan = backend.plan(resolved.state, await backend.read(), ctx);
    assert.equal(plan.errors, []);
    assert.ok(plan.operations.every((o) => o.backend === 'sriov' && o.stage === 'sriov'));
    await backend.execute(plan.operations);

    // Independently, from the files.
    assert.is(sys('sriov_numvfs'), '4');
    assert.equal([0, 1, 2, 3].map((i) => basename(readlinkSync(join(pfDev, `virtfn${i}`)))), ['0000:02:0a.0', '0000:02:0a.1', '0000:02:0a.2', '0000:02:0a.3']);
    assert.not.ok(existsSync(join(pfDev, 'virtfn4')));
    assert.is(sys('sriov/0/mac'), '02:00:00:00:00:0a');
    assert.is(sys('sriov/0/vlan'), '100');
    assert.is(sys('sriov/0/qos'), '2');
    assert.is(sys('sriov/0/spoofcheck'), '0');
    assert.is(sys('sriov/0/trust'), '1');
    assert.is(sys('sriov/3/mac'), '02:00:00:00:00:0d');
    const driverOf = (pci: string) => basename(readlinkSync(join(root, 'bus/pci/devices', pci, 'driver')));
    assert.equal(['0', '1', '2', '3'].map((n) => driverOf(`0000:02:0a.${n}`)), ['vfio-pci', 'vfio-pci', 'vfio-pci', 'iavf']);

    // And with the reader.
    const actual = await backend.read();
    const cmp = compare(resolved.state, actual);
    assert.ok(cmp.inSync, JSON.stringify(cmp.results.filter((r) => !r.inSync)));
    const s = sriovOf(actual, 'eno1');
    assert.is(s?.['total-vfs'], 4);
    assert.equal(s?.vfs?.[0], {
      id: 0, 'mac-address': '02:00:00:00:00:0a', 'vlan-id': 100, qos: 2, 'spoof-check': false, trust: true,
      'fleetnet.io/driver': 'vfio-pci', 'fleetnet.io/pci-address': '0000:02:0a.0',
    });
    assert.is(sriovOf(actual, 'eno2')?.['total-vfs'], 0, 'the other PF is untouched');
    assert.equal(backend.plan(resolved.state, actual, ctx), { operations: [], errors: [] }, 'in sync: empty plan');

    // Lower the count: 0 first (the kernel refuses 4 -> 2), then 2; settings and drivers applied again.
    const lower = structuredClone(resolved.state);
    const ls = lower.interfaces![0]!.ethernet!['sr-iov']!;
    ls['total-vfs'] = 2;
    ls.vfs = ls.vfs!.filter((v) => v.id < 2);
    const p2 = backend.plan(lower, actual, ctx);
    assert.equal(p2.errors, []);
    const counts = p2.operations.filter((o) => o.backend === 'sriov' && o.path.endsWith('sriov_numvfs')).map((o) => (o as { value: string }).value);
    assert.equal(counts, ['0', '2']);
    await backend.execute(p2.operations);
    assert.is(sys('sriov_numvfs'), '2');
    assert.not.ok(existsSync(join(pfDev, 'virtfn2')));
    assert.not.ok(existsSync(join(root, 'bus/pci/devices/0000:02:0a.3')));
    assert.is(sys('sriov/0/vlan'), '100');
    const after = await backend.read();
    assert.ok(compare(lower, after).inSync, JSON.stringify(compare(lower, after).results.filter((r) => !r.inSync)));
    assert.equal(sriovOf(after, 'eno1')?.vfs?.map((v) => v['fleetnet.io/driver']), ['vfio-pci', 'vfio-pci']);
  });
}

test('the fixture kernel refuses N -> M like the real one, and the backend reports which write failed', async () => {
  const { backend, pfDev, sys } = setup();
  await backend.execute(backend.plan({ interfaces: [{ name: 'eno1', type: 'ethernet', ethernet: { 'sr-iov': { 'total-vfs': 4 } } }] }, await backend.read(), ctx).operations);
  const direct: Operation = { backend: 'sriov', stage: 'sriov', target: 'eno1', description: 'eno1: 4 -> 2 directly', path: join(pfDev, 'sriov_numvfs'), value: '2' };
  const err = await backend.execute([direct]).then(() => undefined, (e: unknown) => e);
  assert.instance(err, ExecutionError);
  assert.match((err as ExecutionError).message, /sriov_numvfs.*busy/i);
  assert.is(sys('sriov_numvfs'), '4');
});

test('plan errors: too many VFs, a NIC without SR-IOV, a match that finds nothing', async () => {
  const { backend } = setup();
  const actual = await backend.read();
  const tooMany = backend.plan({ interfaces: [{ name: 'eno1', type: 'ethernet', ethernet: { 'sr-iov': { 'total-vfs': 9 } } }] }, actual, ctx);
  assert.equal(tooMany.operations, []);
  assert.match(tooMany.errors[0]!.message, /at most 8 VFs, 9 requested/);
  assert.is(tooMany.errors[0]!.path, 'interfaces[0].ethernet.sr-iov.total-vfs');
  const plain = backend.plan({ interfaces: [{ name: 'eth9', type: 'ethernet', ethernet: { 'sr-iov': { 'total-vfs': 1 } } }] }, actual, ctx);
  assert.match(plain.errors[0]!.message, /eth9.*not an SR-IOV capable/);
  const none = resolveNicMatches({ interfaces: [{ name: 'x', type: 'ethernet', 'fleetnet.io/match': { 'vendor-id': '8086', 'device-id': '9999' } }] }, backend.readNics());
  assert.match(none.errors[0]!.message, /no NIC on this host matches/);
});

test('a PF without per-VF sysfs files gets ip link commands for per-VF settings', async () => {
  const { backend, root } = setup();
  const actual = await backend.read();
  const plan = backend.plan({ interfaces: [{ name: 'eno2', type: 'ethernet', ethernet: { 'sr-iov': { 'total-vfs': 2, vfs: [{ id: 1, 'mac-address': '02:00:00:00:01:01', trust: true }] } } }] }, actual, ctx);
  assert.equal(plan.errors, []);
  const ops = plan.operations as Extract<Operation, { backend: 'sriov' }>[];
  assert.equal(ops[0]?.path, join(root, 'class/net/eno2/device/sriov_numvfs'));
  assert.equal(ops.filter((o) => o.argv).map((o) => o.argv), [
    ['ip', 'link', 'set', 'dev', 'eno2', 'vf', '1', 'mac', '02:00:00:00:01:01'],
    ['ip', 'link', 'set', 'dev', 'eno2', 'vf', '1', 'trust', 'on'],
  ]);
});

test.run();
