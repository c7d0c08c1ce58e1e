/** The agent's only process launcher (exec.ts), on real processes: exit codes, input, timeouts, streams. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRunner } from '../src/exec.ts';
import { silentLogger } from '../src/log.ts';
import { pidAlive } from '../src/pid.ts';

const run = createRunner({ log: silentLogger() });

test('a command runs to its end: stdout, stderr and the exit code, never a throw for a non-zero exit', async () => {
  const r = await run('sh', ['-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(r.argv, ['sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.is(r.exitCode, 3);
  assert.is(r.stdout, 'out\n');
  assert.is(r.stderr, 'err\n');
  assert.is(r.timedOut, false);
  assert.is(r.notFound, false);
});

test('input goes to the command\'s stdin; without input its stdin is closed (a read gets end of file at once)', async () => {
  const r = await run('cat', [], { input: 'line 1\nline 2\n' });
  assert.is(r.exitCode, 0);
  assert.is(r.stdout, 'line 1\nline 2\n');
  const none = await run('sh', ['-c', 'cat; echo done']);
  assert.is(none.stdout, 'done\n');
});

test('a command that exits without reading a large input does not crash the runner (EPIPE)', async () => {
  const r = await run('true', [], { input: 'x'.repeat(4 << 20) });
  assert.is(r.exitCode, 0);
});

test('a program that is not installed: notFound, no exit code', async () => {
  const r = await run('fleetnet-no-such-program', ['x']);
  assert.is(r.notFound, true);
  assert.is(r.exitCode, undefined);
  assert.match(r.stderr, /ENOENT/);
});

test('a command over its timeout is terminated and says so', async () => {
  const started = Date.now();
  const r = await run('sleep', ['30'], { timeoutMs: 200 });
  assert.is(r.timedOut, true);
  assert.is(r.exitCode, undefined); // killed by a signal
  assert.ok(Date.now() - started < 10_000, 'returned long before the command would have ended');
});

test('a streamed command delivers its output as it comes and stops on request', async () => {
  const chunks: string[] = [];
  const s = run.stream('sh', ['-c', 'echo first; exec sleep 30'], (c) => chunks.push(c));
  assert.ok(s.pid && pidAlive(s.pid));
  for (let i = 0; i < 100 && !chunks.join('').includes('first'); i++) await new Promise((r) => setTimeout(r, 20));
  assert.is(chunks.join(''), 'first\n');
  s.stop();
  const code = await s.exited;
  assert.is(code, undefined); // ended by SIGTERM
  assert.not.ok(pidAlive(s.pid!));
});

test('a streamed program that is not installed resolves exited instead of throwing', async () => {
  const s = run.stream('fleetnet-no-such-program', [], () => {});
  assert.is(await s.exited, undefined);
});

test('inside a namespace, iproute2 takes -n and other programs go through ip netns exec', async () => {
  const calls: string[][] = [];
  const ns = createRunner({ log: silentLogger(), netns: 'fleetnet-none' });
  calls.push((await ns('ip', ['link', 'show'])).argv, (await ns('sysctl', ['-n', 'x'])).argv);
  assert.equal(calls[0], ['ip', '-n', 'fleetnet-none', 'link', 'show']);
  assert.equal(calls[1], ['ip', 'netns', 'exec', 'fleetnet-none', 'sysctl', '-n', 'x']);
});

test.run();
