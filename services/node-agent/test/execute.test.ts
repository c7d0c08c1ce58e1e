/** The reconciler's execution step on fake backends: runs, progress, and the crash tests' pause wrapper. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ExecutionError, type Backend, type Operation } from '../src/backend.ts';
import { backendExecutor, groupRuns, pausingExecutor, pauseAfterOpFromEnv } from '../src/reconcile/execute.ts';
import { silentLogger } from '../src/log.ts';

const linux = (line: string, stage: Operation['stage'] = 'linux-configure'): Operation =>
  ({ backend: 'linux', stage, target: line, line, description: `ip ${line}` });
const ovs = (target: string): Operation => ({ backend: 'ovs', stage: 'ovs', target, args: ['add-br', target], description: `ovs ${target}` });

function fakeBackend(name: 'linux' | 'ovs', calls: string[][], failAt?: string): Backend {
  return {
    name,
    read: async () => ({}),
    plan: () => ({ operations: [], errors: [] }),
    async execute(ops) {
      calls.push(ops.map((o) => o.target));
      const bad = ops.find((o) => o.target === failAt);
      if (bad) throw new ExecutionError(`${bad.description} failed`, bad, ['fake'], 'no', 1);
    },
  };
}

test('consecutive operations of one backend are one run, across stages', () => {
  const runs = groupRuns([linux('a', 'linux-create'), linux('b'), ovs('br0'), linux('c'), linux('d')]);
  assert.equal(runs.map((r) => r.map((o) => o.target)), [['a', 'b'], ['br0'], ['c', 'd']]);
});

test('one backend call per run; on failure, progress counts the operations before the failed one', async () => {
  const calls: string[][] = [];
  const exec = backendExecutor([fakeBackend('linux', calls, 'd'), fakeBackend('ovs', calls)]);
  let done = 0;
  const err = await exec([linux('a'), linux('b'), ovs('br0'), linux('c'), linux('d'), linux('e')], (n) => (done = n)).catch((e: unknown) => e);
  assert.instance(err, ExecutionError);
  assert.equal(calls, [['a', 'b'], ['br0'], ['c', 'd', 'e']]);
  assert.is(done, 4, 'a, b, br0 and c ran');
});

test('the pause switch is read from the environment only as a whole number; the wrapper runs the first N and stops', async () => {
  assert.is(pauseAfterOpFromEnv({ FLEETNET_PAUSE_AFTER_OP: '3' }), 3);
  assert.is(pauseAfterOpFromEnv({ FLEETNET_PAUSE_AFTER_OP: 'x' }), undefined);
  assert.is(pauseAfterOpFromEnv({}), undefined);
  const calls: string[][] = [];
  const exec = pausingExecutor(backendExecutor([fakeBackend('linux', calls), fakeBackend('ovs', calls)]), 3, silentLogger(), () => new Promise<never>(() => undefined));
  await exec([linux('a'), linux('b')], () => undefined);
  assert.equal(calls, [['a', 'b']], 'fewer operations than the pause point run as usual');
  calls.length = 0;
  const write = process.stderr.write;
  let said = '';
  process.stderr.write = ((s: string) => ((said += s), true)) as typeof process.stderr.write;
  try {
    const outcome = await Promise.race([exec([linux('a'), ovs('br0'), linux('c'), linux('d')], () => undefined).then(() => 'finished'), new Promise((r) => setTimeout(() => r('paused'), 200))]);
    assert.is(outcome, 'paused');
  } finally {
    process.stderr.write = write;
  }
  assert.equal(calls, [['a'], ['br0'], ['c']]);
  assert.match(said, 'FLEETNET_PAUSED after operation 3');
});

test.run();
