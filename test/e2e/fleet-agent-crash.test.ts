/**
 * An agent killed with SIGKILL in the middle of an apply: at its next start it rolls the half-done
 * change back from the on-disk checkpoint, then applies the version that is current by then.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { HostNetworkPolicy } from '@fleetnet/contracts';
import { kernelLink, startFleet, type Fleet } from '../support/fleet.ts';
import { waitFor } from '../support/ports.ts';


const crashPolicy = (data1Mtu: number, bridge: boolean): HostNetworkPolicy => ({
  apiVersion: 'fleetnet.io/v1', kind: 'HostNetworkPolicy', metadata: { name: 'crashy' },
  spec: {
    hostSelector: { matchLabels: { role: 'crash' } },
    desiredState: {
      interfaces: [
        { name: 'data1', state: 'up', mtu: data1Mtu },
        ...(bridge ? [{ name: 'br-c', type: 'linux-bridge' as const, state: 'up' as const, bridge: { port: [{ name: 'data0' }] } }] : []),
      ],
    },
  },
});

let fleet: Fleet;
test.before(async () => {
  fleet = await startFleet({ hosts: [{ name: 'c1', labels: { role: 'crash' } }] });
});
test.after(async () => {
  await fleet?.stop();
});

/** the agent's pino lines, parsed */
const logLines = (out: string) =>
  out.split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as { msg: string; version?: number; restored?: boolean }];
    } catch {
      return [];
    }
  });

test('8. SIGKILL mid-apply: on restart the agent rolls back the checkpoint, then applies the current version', async () => {
  const h = fleet.host('c1');
  const checkpoint = join(h.stateDir, 'checkpoint.json');
  await fleet.applyPolicy(crashPolicy(1400, false));
  const [v1] = await fleet.waitInSync(['c1'], 30_000);
  assert.is((await kernelLink(h, 'data1'))?.mtu, 1400);

  // the next apply stops for good after its first operation (creating br-c)
  await h.agent!.stop('SIGTERM');
  const paused = await h.startAgent({ FLEETNET_PAUSE_AFTER_OP: '1' });
  await fleet.applyPolicy(crashPolicy(1300, true));
  await paused.waitForOutput(/FLEETNET_PAUSED after operation 1/, 30_000);
  assert.ok(existsSync(checkpoint), 'a checkpoint is on disk while the apply runs');
  assert.ok(await kernelLink(h, 'br-c'), 'the half-done apply created br-c');
  await paused.stop('SIGKILL');
  assert.ok(existsSync(checkpoint), 'the checkpoint survives the crash');
  assert.ok(await kernelLink(h, 'br-c'), 'br-c is still there after the crash');
  const v2 = (await fleet.hostView('c1')).desiredVersion;
  assert.ok(v2 > v1!.desiredVersion);

  // while the agent is down the policy moves on: the restart must apply this newer version
  await fleet.applyPolicy(crashPolicy(1200, true));
  await waitFor(async () => (await fleet.hostView('c1')).desiredVersion > v2, 10_000, 'version 3 published');
  const restarted = await h.startAgent();
  const [v3] = await fleet.waitInSync(['c1'], 30_000);
  assert.ok(v3!.desiredVersion > v2, `the host applied v${v3!.desiredVersion}, newer than the crashed v${v2}`);

  const lines = logLines(restarted.output());
  const rolledBack = lines.findIndex((l) => l.msg === 'rolled back an apply that did not finish');
  const applying = lines.findIndex((l) => l.msg === 'applying desired version' && l.version === v3!.desiredVersion);
  assert.ok(rolledBack >= 0, `the restarted agent rolled back the checkpoint:\n${restarted.tail()}`);
  assert.is(lines[rolledBack]!.restored, true, 'the rollback restored the state before the crashed apply');
  assert.ok(applying > rolledBack, 'rollback first, then the current version');
  assert.not.ok(lines.some((l) => l.msg === 'applying desired version' && l.version === v2), 'the crashed version is not applied again');
  assert.not.ok(existsSync(checkpoint), 'no checkpoint left');
  assert.is((await kernelLink(h, 'data1'))?.mtu, 1200);
  assert.is((await kernelLink(h, 'data0'))?.master, 'br-c');
});

test.run();
