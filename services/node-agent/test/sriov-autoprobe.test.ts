/**
 * nmstate's `ethernet.sr-iov.drivers-autoprobe` against the SR-IOV sysfs fixture (a real network
 * namespace for the linux backend): written before the VF count, read back, compared.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkState } from '@fleetnet/contracts';
import { createNetns } from '../../../test/support/netns.ts';
import { createAgent } from '../src/index.ts';
import { createRunner } from '../src/exec.ts';
import { createLinuxBackend } from '../src/linux/index.ts';
import { createLogger } from '../src/log.ts';
import { createSriovBackend } from '../src/sriov/index.ts';
import { buildSriovFixture, FixtureKernel } from './fixtures/sriov-fixture.ts';
import { agentIn } from './helpers.ts';

const doc = (autoprobe: boolean, vfs: number): NetworkState => ({
  interfaces: [{
    name: 'eno1', type: 'ethernet',
    ethernet: { 'sr-iov': { 'drivers-autoprobe': autoprobe, 'total-vfs': vfs, vfs: [{ id: 0, 'spoof-check': true, trust: false }] } },
  }],
});

test('drivers-autoprobe: off is written before the VFs are created, read back, in sync; on again changes only that file', async () => {
  const ns = createNetns('sap');
  const root = buildSriovFixture();
  const t = agentIn(ns);
  try {
    const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const run = createRunner({ log, netns: ns.name });
    const kernel = new FixtureKernel(root);
    const agent = createAgent({
      stateDir: t.stateDir, log, netns: ns.name,
      backends: [createLinuxBackend({ run }), createSriovBackend({ root, run, log, afterWrite: kernel.afterWrite })],
    });
    const file = join(root, 'class/net/eno1/device/sriov_drivers_autoprobe');
    const r = await agent.apply(doc(false, 2), { probes: { gateway: false } });
    assert.is(r.phase, 'Applied', r.error?.message);
    const writes = r.operations.map((o) => o.description);
    assert.is(writes[0], 'eno1: drivers autoprobe off', writes.join('\n'));
    assert.ok(writes.indexOf('eno1: enable 2 VFs') > 0, 'the VF count comes after');
    assert.is(readFileSync(file, 'utf8').trim(), '0');
    assert.ok(r.comparison.results.some((x) => x.path === 'interfaces[eno1].ethernet.sr-iov.drivers-autoprobe' && x.inSync && x.actual === false));

    const again = await agent.apply(doc(true, 2), { probes: { gateway: false } });
    assert.is(again.phase, 'Applied', again.error?.message);
    assert.equal(again.operations.map((o) => o.description), ['eno1: drivers autoprobe on']);
    assert.is(readFileSync(file, 'utf8').trim(), '1');
  } finally {
    t.cleanup();
    rmSync(root, { recursive: true, force: true });
    ns.remove();
  }
});

test.run();
