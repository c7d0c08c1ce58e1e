import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RolloutHost, RolloutView } from '@fleetnet/contracts';
import { servedRollout, SERVED_ROLLOUT_BYTES } from '../src/projection/rollout-view.ts';

/** A rollout over `n` hosts: every 7th failed, every 5th in progress, the rest succeeded. */
function bigRollout(n: number): RolloutView {
  const hosts: Record<string, RolloutHost> = {};
  const failures: RolloutView['failures'] = [];
  for (let i = 0; i < n; i++) {
    const name = `host-${String(i).padStart(5, '0')}`;
    const t = '2026-11-22T00:00:00.000Z';
    if (i % 7 === 0) {
      hosts[name] = { phase: 'Failed', version: 2, startedAt: t, finishedAt: t, reason: `probe gateway failed on ${name}: ping 10.0.0.1` };
      failures.push({ host: name, reason: hosts[name]!.reason! });
    } else if (i % 5 === 0) hosts[name] = { phase: 'InProgress', version: 2, startedAt: t };
    else hosts[name] = { phase: 'Succeeded', version: 2, startedAt: t, finishedAt: t };
  }
  const count = (p: string) => Object.values(hosts).filter((h) => h.phase === p).length;
  return {
    policy: 'big', revision: 2, state: 'Progressing', maxUnavailable: n, canary: 0, failureThreshold: n, hosts,
    counts: { total: n, pending: 0, inProgress: count('InProgress'), succeeded: count('Succeeded'), failed: count('Failed') },
    failures, startedAt: '2026-11-22T00:00:00.000Z', updatedAt: '2026-11-22T00:00:00.000Z',
  };
}

test('a small rollout is served whole, unchanged', () => {
  const v = bigRollout(100);
  assert.is(servedRollout(v), v);
});

test('a 10,000-host rollout fits one message: failed first, then in progress; counts and state complete', () => {
  const v = bigRollout(10_000);
  const served = servedRollout(v);
  assert.ok(JSON.stringify(served).length < 1024 * 1024, 'under the 1 MB max_payload');
  assert.ok(JSON.stringify(served.hosts).length <= SERVED_ROLLOUT_BYTES + 1024, 'the host map within its budget');
  const kept = Object.values(served.hosts);
  assert.ok(kept.length < 10_000 && kept.length > 1000, `a cut list (${kept.length} hosts)`);
  assert.equal(served.counts, v.counts, 'counts are those of the whole rollout');
  assert.is(served.state, v.state);
  const failed = Object.entries(v.hosts).filter(([, h]) => h.phase === 'Failed').map(([n]) => n);
  assert.ok(failed.every((n) => served.hosts[n]?.phase === 'Failed'), 'every failed host is listed');
  const inProgress = kept.filter((h) => h.phase === 'InProgress').length;
  const succeeded = kept.filter((h) => h.phase === 'Succeeded').length;
  assert.ok(inProgress === v.counts.inProgress || succeeded === 0, 'in-progress hosts come before succeeded ones');
  assert.ok(served.failures.length > 0 && served.failures.length <= v.failures.length);
  assert.ok(served.failures.every((f) => v.failures.some((x) => x.host === f.host && x.reason === f.reason)), 'failures are real ones');
});

test.run();
