/** The daemon's scheduler on its own: coalescing to the newest version, retries on the backoff, enforce re-runs. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DesiredPublishedData } from '@fleetnet/contracts';
import { createScheduler, type ScheduledApply } from '../src/bus/scheduler.ts';
import { silentLogger } from '../src/log.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const desired = (version: number): DesiredPublishedData =>
  ({ host: 'h1', version, state: { interfaces: [] }, policies: [] }) as unknown as DesiredPublishedData;

/** An apply the test finishes by hand, recording what ran. */
function harness(results: Record<number, boolean> = {}) {
  const ran: { version: number; attempt: number; why: string }[] = [];
  let release: (() => void) | undefined;
  const apply = async (r: ScheduledApply) => {
    ran.push({ version: r.desired.version, attempt: r.attempt, why: r.why });
    await new Promise<void>((resolve) => (release = resolve));
    return results[r.desired.version] ?? true;
  };
  const finishCurrent = async () => {
    release?.();
    release = undefined;
    await sleep(5);
  };
  return { ran, apply, finishCurrent };
}

test('while one version applies, only the newest of those that arrive is applied next; older ones are ignored', async () => {
  const h = harness();
  const s = createScheduler({ apply: h.apply, log: silentLogger() });
  assert.ok(s.offer(desired(1)));
  assert.ok(s.busy);
  assert.ok(s.offer(desired(2)));
  assert.ok(s.offer(desired(4)));
  assert.not.ok(s.offer(desired(3)), 'a version older than the pending one is nothing new');
  assert.is(s.floor, 4);
  await h.finishCurrent();
  await h.finishCurrent();
  assert.equal(h.ran.map((r) => r.version), [1, 4]);
  assert.not.ok(s.busy);
  assert.not.ok(s.offer(desired(4)), 'a version already applied is not applied again');
  await s.stop();
});

test('a failed version is retried on the backoff schedule until attempts run out; a newer version supersedes the retry', async () => {
  const h = harness({ 1: false, 2: false });
  const s = createScheduler({ apply: h.apply, log: silentLogger(), retry: { maxAttempts: 3, baseMs: 20, maxMs: 40 } });
  s.offer(desired(1));
  await h.finishCurrent();
  await sleep(40);
  assert.equal(h.ran.map((r) => [r.version, r.attempt, r.why]), [[1, 1, 'new version'], [1, 2, 'retry']]);
  await h.finishCurrent();
  await sleep(60);
  await h.finishCurrent();
  await sleep(100);
  assert.equal(h.ran.map((r) => r.attempt), [1, 2, 3], 'no fourth attempt with maxAttempts 3');

  s.offer(desired(2));
  await h.finishCurrent();
  s.offer(desired(3));
  await h.finishCurrent();
  await sleep(60);
  assert.equal(h.ran.slice(3).map((r) => [r.version, r.attempt]), [[2, 1], [3, 1]], 'the retry of 2 is dropped once 3 arrived');
  await s.stop();
});

test('again: an enforce re-run waits for the running apply, and only one waits at a time; stop starts nothing new', async () => {
  const h = harness();
  const afterApply: number[] = [];
  const s = createScheduler({ apply: h.apply, log: silentLogger(), done: 5, afterApply: () => afterApply.push(h.ran.length) });
  assert.not.ok(s.offer(desired(5)), 'the version done at start is not applied again');
  assert.ok(s.again({ desired: desired(5), attempt: 1, why: 'enforce after drift' }));
  assert.equal(h.ran.map((r) => r.why), ['enforce after drift']);
  assert.ok(s.again({ desired: desired(5), attempt: 1, why: 'enforce after drift' }), 'one may wait while one runs');
  assert.not.ok(s.again({ desired: desired(5), attempt: 1, why: 'enforce after drift' }), 'but only one');
  await h.finishCurrent();
  assert.is(h.ran.length, 2);
  assert.equal(afterApply, [2], 'afterApply runs when an apply ended (the next one already started)');
  const stopped = s.stop();
  await h.finishCurrent();
  await stopped;
  assert.not.ok(s.offer(desired(6)) && s.busy, 'nothing starts after stop');
  assert.is(h.ran.length, 2);
});

test.run();
