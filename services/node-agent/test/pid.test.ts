/** The supervisors' process helpers (pid.ts), on real processes. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cmdline, pidAlive, readPidFile, terminate } from '../src/pid.ts';

const dir = mkdtempSync(join(tmpdir(), 'fleetnet-pid-'));

test('readPidFile: the number in the file; undefined without a file or a positive number', () => {
  writeFileSync(join(dir, 'ok.pid'), '1234\n');
  writeFileSync(join(dir, 'bad.pid'), 'not a pid');
  writeFileSync(join(dir, 'zero.pid'), '0');
  assert.is(readPidFile(join(dir, 'ok.pid')), 1234);
  assert.is(readPidFile(join(dir, 'bad.pid')), undefined);
  assert.is(readPidFile(join(dir, 'zero.pid')), undefined);
  assert.is(readPidFile(join(dir, 'none.pid')), undefined);
});

test('cmdline: a live process\'s argv; nothing for a pid that is gone', async () => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    assert.equal(cmdline(child.pid!).slice(0, 2), ['sleep', '30']);
  } finally {
    child.kill('SIGKILL');
  }
  await new Promise((r) => child.once('exit', r));
  assert.equal(cmdline(child.pid!), []);
});

test('terminate: SIGTERM ends a process; one that ignores it gets SIGKILL after the grace time', async () => {
  const polite = spawn('sleep', ['30'], { stdio: 'ignore' });
  const politeGone = new Promise((r) => polite.once('exit', r));
  await terminate(polite.pid!, 2000);
  await politeGone;
  assert.not.ok(pidAlive(polite.pid!));
  const stubborn = spawn('sh', ['-c', 'trap "" TERM; while :; do sleep 0.05; done'], { stdio: 'ignore' });
  const stubbornGone = new Promise((r) => stubborn.once('exit', (_code, signal) => r(signal)));
  await new Promise((r) => setTimeout(r, 100)); // the trap is set
  const started = Date.now();
  await terminate(stubborn.pid!, 300);
  assert.is(await stubbornGone, 'SIGKILL');
  assert.ok(Date.now() - started >= 300, 'it had its grace time first');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
