/**
 * pnpm sim-fleet: N sim hosts register with a real nats-server (and a controller) and stay up until
 * SIGTERM; --help teaches; bad flags exit 2 naming the flag.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startNats, type NatsServer } from '../../test/support/nats.ts';
import { waitFor } from '../../test/support/ports.ts';
import { api, client, controller, type Client } from '../../services/controller/test/support.ts';
import type { RunningController } from '../../services/controller/src/index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

function simFleet(args: string[]) {
  const child = spawn(tsx, ['sim/src/fleet-main.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exit = new Promise<number | null>((r) => child.on('close', r));
  return { child, out, exit };
}

let nats: NatsServer;
let ctl: RunningController;
let c: Client;

test.before(async () => {
  nats = await startNats();
  ctl = await controller(nats.url);
  c = await client(nats.url);
});
test.after(async () => {
  await c?.close();
  await ctl?.stop();
  await nats?.stop();
});

test('--help teaches; a bad flag exits 2 naming it', async () => {
  const help = simFleet(['--help']);
  assert.is(await help.exit, 0);
  assert.match(help.out.stdout, '--hosts N');
  assert.match(help.out.stdout, 'SIGTERM');
  const bad = simFleet(['--server', nats.url, '--hosts', 'many']);
  assert.is(await bad.exit, 2);
  assert.match(bad.out.stderr, '--hosts');
  const labels = simFleet(['--server', nats.url, '--labels', 'role']);
  assert.is(await labels.exit, 2);
  assert.match(labels.out.stderr, '--labels');
});

test('N hosts register with their labels and eth0..eth3, stay up, and stop on SIGTERM', async () => {
  const run = simFleet(['--server', nats.url, '--hosts', '20', '--labels', 'role=web,site=lab', '--prefix', 'sf-']);
  try {
    await waitFor(async () => (await api(c, 'hosts.list', { selector: 'role=web' })).total === 20, 60_000, '20 hosts registered');
    const { host } = await api(c, 'hosts.get', { name: 'sf-00007' });
    assert.equal(host!.labels, { sim: 'true', role: 'web', site: 'lab' });
    assert.equal(host!.facts!.nics.map((n) => n.name), ['eth0', 'eth1', 'eth2', 'eth3']);
    assert.match(run.out.stdout, '20 hosts up');
    await new Promise((r) => setTimeout(r, 500));
    assert.is(run.child.exitCode, null, 'still running');
  } finally {
    run.child.kill('SIGTERM');
  }
  assert.is(await run.exit, 0, run.out.stderr);
  assert.match(run.out.stderr, 'SIGTERM');
});

test.run();
