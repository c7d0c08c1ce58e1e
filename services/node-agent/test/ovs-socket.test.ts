import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createVsctl, ovsdbSocket } from '../src/ovs/vsctl.ts';
import type { Runner } from '../src/exec.ts';

test('the socket ovs-vsctl would use: its default, OVS_RUNDIR, unix:PATH; none for remote databases', () => {
  assert.is(ovsdbSocket(undefined, {}), '/var/run/openvswitch/db.sock');
  assert.is(ovsdbSocket(undefined, { OVS_RUNDIR: '/run/x' }), '/run/x/db.sock');
  assert.is(ovsdbSocket('unix:/tmp/ovs/db.sock'), '/tmp/ovs/db.sock');
  assert.is(ovsdbSocket('tcp:127.0.0.1:6640'), undefined);
});

test('no socket: unavailable at once, no ovs-vsctl process started', async () => {
  const started: string[] = [];
  const run = (async (cmd: string) => {
    started.push(cmd);
    return { argv: [cmd], exitCode: 0, stdout: '', stderr: '', durationMs: 0, timedOut: false, notFound: false };
  }) as unknown as Runner;
  const r = await createVsctl({ db: 'unix:/nonexistent/fleetnet-test/db.sock', run }).run(['list', 'Bridge']);
  assert.ok(r.unavailable);
  assert.match(r.stderr, /no such socket/);
  assert.equal(started, []);
  // a remote database is always asked
  await createVsctl({ db: 'tcp:127.0.0.1:1', run }).run(['list', 'Bridge']);
  assert.equal(started, ['ovs-vsctl']);
});

test.run();
