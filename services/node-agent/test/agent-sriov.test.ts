import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createNetns } from '../../../test/support/netns.ts';
import { createAgent } from '../src/index.ts';
import { createRunner } from '../src/exec.ts';
import { createLinuxBackend } from '../src/linux/index.ts';
import { createLogger } from '../src/log.ts';
import { createSriovBackend } from '../src/sriov/index.ts';
import { buildSriovFixture, FixtureKernel } from './fixtures/sriov-fixture.ts';
import { agentIn } from './helpers.ts';

test('agent: a PF selected by vendor+device id gets 4 VFs (fixture sysfs); linux leaves the sysfs-only NIC alone', async () => {
  const ns = createNetns('asr');
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
    assert.ok(agent.readNics().some((n) => n.name === 'eno1' && n.vendorId === '8086'));
    const desired = {
      interfaces: [{
        name: 'intel-pf', type: 'ethernet' as const,
        'fleetnet.io/match': { 'vendor-id': '8086', 'device-id': '1572' },
        ethernet: { 'sr-iov': { 'total-vfs': 4, vfs: [{ id: 1, 'vlan-id': 42 }] } },
      }],
    };
    const r = await agent.apply(desired, { probes: { gateway: false } });
    assert.is(r.phase, 'Applied', r.error?.message);
    assert.ok(r.operations.length > 0 && r.operations.every((o) => o.backend === 'sriov'), r.operations.map((o) => o.description).join('\n'));
    assert.is(readFileSync(join(root, 'class/net/eno1/device/sriov_numvfs'), 'utf8').trim(), '4');
    assert.ok(r.comparison.results.some((x) => x.path === 'interfaces[eno1].ethernet.sr-iov.total-vfs' && x.inSync));

    // The fixture NIC is not a kernel link: asking linux things of it is refused before anything runs.
    const up = await agent.apply({ interfaces: [{ name: 'eno2', type: 'ethernet', state: 'up' }] }, { probes: { gateway: false } });
    assert.is(up.phase, 'Failed');
    assert.match(up.error!.message, /interfaces\[0\]: "eno2" is seen in sysfs but is not a link in the kernel here/);

    const none = await agent.apply({ interfaces: [{ name: 'x', type: 'ethernet', 'fleetnet.io/match': { 'pci-address': '0000:99:00.0' } }] }, { probes: { gateway: false } });
    assert.is(none.phase, 'Failed');
    assert.match(none.error!.message, /no NIC on this host matches pci-address=0000:99:00.0/);
  } finally {
    t.cleanup();
    rmSync(root, { recursive: true, force: true });
    ns.remove();
  }
});

test.run();
