import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNetns } from '../../../test/support/netns.ts';
import { waitFor } from '../../../test/support/ports.ts';
import { readCheckpoint } from '../src/checkpoint.ts';
import { openStateDir } from '../src/state-dir.ts';
import { addrs, agentIn, link, links, settled, snapshot } from './helpers.ts';

test('SIGKILL mid-apply, then a restart rolls back from the checkpoint', async () => {
  const ns = createNetns('crash');
  const t = agentIn(ns);
  try {
    ns.ip('link', 'add', 'c0', 'type', 'veth', 'peer', 'name', 'c0p');
    ns.ip('addr', 'add', '10.8.0.1/24', 'dev', 'c0');
    ns.ip('link', 'set', 'c0', 'up');
    await settled(ns);
    const before = snapshot(ns);

    const file = join(t.dir, 'state.yaml');
    writeFileSync(file, [
      'interfaces:',
      '  - { name: c0, mtu: 1400, ipv4: { address: [{ ip: 10.8.0.2, prefix-length: 24 }] } }',
      '  - { name: n0, type: veth, veth: { peer: n0p } }',
      '  - { name: n1, type: veth, veth: { peer: n1p } }',
      '',
    ].join('\n'));
    const bin = new URL('../bin/fleetnet-agent.js', import.meta.url).pathname;
    // Operations: 1 add n0, 2 add n1, 3 c0 mtu 1400, 4 del 10.8.0.1, [pause], 5 add 10.8.0.2, ...
    const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, bin, '--state-dir', t.stateDir, '--sysfs-root', join(t.dir, 'sys'),
      '--resolv-conf', join(t.dir, 'resolv.conf'), '--ovs-db', `unix:${t.dir}/no-ovs.sock`, '--log-level', 'silent', 'apply', '-f', file], {
      env: { ...process.env, FLEETNET_PAUSE_AFTER_OP: '4' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
    await waitFor(() => stderr.includes('FLEETNET_PAUSED after operation 4'), 30_000, `the agent to pause (stderr: ${stderr})`);

    // Half applied: the two veths exist, c0 has its new MTU and no address at all.
    assert.ok(links(ns).includes('n0') && links(ns).includes('n1'));
    assert.is(link(ns, 'c0').mtu, 1400);
    assert.equal(addrs(ns, 'c0'), []);
    const cp = readCheckpoint(openStateDir(t.stateDir)).checkpoint;
    assert.ok(cp, 'a checkpoint is on disk');
    assert.is(cp!.operations.length > 2, true);

    process.kill(child.pid!, 'SIGKILL');
    assert.is(await exited, 'SIGKILL');

    // The restart: a new agent on the same state directory.
    const t2 = agentIn(ns);
    try {
      const { createAgent } = await import('../src/index.ts');
      const { createLogger } = await import('../src/log.ts');
      const agent = createAgent({ stateDir: t.stateDir, log: createLogger({ level: 'silent' }), netns: ns.name, ovs: false, sysfsRoot: join(t.dir, 'sys'), resolvConf: join(t.dir, 'resolv.conf') });
      const rec = await agent.recoverFromCrash();
      assert.ok(rec, 'the checkpoint was found');
      assert.ok(rec!.rolledBack);
      assert.equal(rec!.operations.map((o) => o.description).sort(), [
        'ip addr add 10.8.0.1/24 dev c0', 'ip link del n0', 'ip link del n1', 'ip link set c0 mtu 1500',
      ]);
      assert.not.ok(existsSync(join(t.stateDir, 'checkpoint.json')));
      await settled(ns);
      assert.is(snapshot(ns), before, 'the namespace is as before the apply');
      assert.is(await agent.recoverFromCrash(), undefined, 'nothing left to recover');
    } finally {
      t2.cleanup();
    }
  } finally {
    t.cleanup();
    ns.remove();
  }
});

test.run();
