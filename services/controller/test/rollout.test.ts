import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostNetworkPolicy, Rollout } from '@fleetnet/contracts';
import type { HostBase, PolicyBase } from '../src/projection/state.ts';
import { deriveRollout } from '../src/projection/rollout-view.ts';
import { overdueHosts, planAdmissions } from '../src/rollout/plan.ts';
import { resolveMaxUnavailable } from '../src/projection/rollout-settings.ts';

const T = '2026-11-22T00:00:00.000Z';
const policy = (rollout: Rollout, extra: Partial<PolicyBase> = {}): PolicyBase => ({
  name: 'p', revision: 2, deleted: false, createdAt: T, updatedAt: T, paused: false, timeouts: {}, recentIds: [],
  revisions: { 2: { hash: 'x', time: T, policy: { apiVersion: 'fleetnet.io/v1', kind: 'HostNetworkPolicy', metadata: { name: 'p' }, spec: { desiredState: {}, rollout } } as HostNetworkPolicy } },
  ...extra,
});
type State = 'pending' | 'progress' | 'ok' | 'fail';
const host = (name: string, st: State): HostBase => {
  const h: HostBase = { name, agentLabels: {}, intentLabels: {}, desired: [{ id: 'd1', version: 1, seq: 1, storedMs: 0, time: T, sources: [{ policy: 'p', revision: 1 }], contentHash: 'a' }], syncs: { 1: { id: 's1', phase: 'Applied', time: T } }, updatedAt: T, seenIds: { intent: [], reports: [] }, registeredAt: T };
  if (st === 'pending') return h;
  h.desired.push({ id: 'd2', version: 2, seq: 2, storedMs: 0, time: '2026-11-22T00:01:00.000Z', sources: [{ policy: 'p', revision: 2 }], contentHash: 'b' });
  if (st === 'ok') h.syncs[2] = { id: 's2', phase: 'Applied', time: '2026-11-22T00:02:00.000Z' };
  if (st === 'fail') h.syncs[2] = { id: 's2', phase: 'RolledBack', time: '2026-11-22T00:02:00.000Z', error: { message: 'gateway unreachable' } };
  return h;
};
const hosts = (states: State[]) => states.map((s, i) => host(`h${i}`, s));

test('maxUnavailable: a count, or a percentage of matched hosts rounded up, never below 1', () => {
  assert.is(resolveMaxUnavailable(2, 10), 2);
  assert.is(resolveMaxUnavailable('25%', 10), 3);
  assert.is(resolveMaxUnavailable('1%', 10), 1);
  assert.is(resolveMaxUnavailable(undefined, 10), 5);
});

test('capacity is maxUnavailable minus hosts in progress, derived from the hosts each time', () => {
  const p = policy({ maxUnavailable: 2 });
  let v = deriveRollout(p, hosts(['pending', 'pending', 'pending', 'pending']));
  assert.equal(planAdmissions(v), ['h0', 'h1']);
  v = deriveRollout(p, hosts(['progress', 'pending', 'pending', 'pending']));
  assert.is(v.counts.inProgress, 1);
  assert.equal(planAdmissions(v), ['h1']);
  v = deriveRollout(p, hosts(['progress', 'progress', 'pending', 'pending']));
  assert.equal(planAdmissions(v), []);
  v = deriveRollout(p, hosts(['pending', 'pending', 'pending', 'pending']));
  assert.equal(planAdmissions(v, (h) => h === 'h0'), ['h1', 'h2'], 'a held host does not take a slot');
  v = deriveRollout(p, hosts(['ok', 'ok', 'ok', 'ok']));
  assert.is(v.state, 'Complete');
  assert.equal(v.counts, { total: 4, pending: 0, inProgress: 0, succeeded: 4, failed: 0 });
});

test('canaries go first and alone; a canary failure halts whatever the threshold', () => {
  const p = policy({ maxUnavailable: 3, canary: 1, failureThreshold: 5 });
  let v = deriveRollout(p, hosts(['pending', 'pending', 'pending']));
  assert.equal(planAdmissions(v), ['h0']);
  v = deriveRollout(p, hosts(['progress', 'pending', 'pending']));
  assert.equal(planAdmissions(v), []);
  v = deriveRollout(p, hosts(['ok', 'pending', 'pending']));
  assert.equal(planAdmissions(v), ['h1', 'h2']);
  v = deriveRollout(p, hosts(['fail', 'pending', 'pending']));
  assert.is(v.state, 'Halted');
  assert.equal(v.failures, [{ host: 'h0', reason: 'RolledBack: gateway unreachable' }]);
  assert.equal(planAdmissions(v), []);
});

test('failure threshold halts; pause stops admissions; a recorded timeout counts as failed', () => {
  let v = deriveRollout(policy({ maxUnavailable: 5, failureThreshold: 2 }), hosts(['fail', 'pending', 'pending']));
  assert.is(v.state, 'Progressing');
  assert.equal(planAdmissions(v), ['h1', 'h2']);
  v = deriveRollout(policy({ maxUnavailable: 5, failureThreshold: 2 }), hosts(['fail', 'fail', 'pending']));
  assert.is(v.state, 'Halted');
  v = deriveRollout(policy({ maxUnavailable: 5 }, { paused: true, pausedAt: T }), hosts(['pending']));
  assert.is(v.state, 'Paused');
  assert.equal(planAdmissions(v), []);
  const p = policy({ maxUnavailable: 1, failureThreshold: 3 }, { timeouts: { '2/h0': { version: 2, afterSeconds: 5, time: T } } });
  v = deriveRollout(p, hosts(['progress', 'pending']));
  assert.is(v.hosts.h0!.phase, 'TimedOut');
  assert.is(v.counts.failed, 1);
  assert.equal(planAdmissions(v), ['h1'], 'a timed-out host no longer holds a slot');
});

test('overdueHosts: in-progress hosts past the timeout', () => {
  const v = deriveRollout(policy({ maxUnavailable: 3 }), hosts(['progress', 'ok', 'pending']));
  const started = Date.parse('2026-11-22T00:01:00.000Z');
  assert.equal(overdueHosts(v, 30, started + 29_000), []);
  assert.equal(overdueHosts(v, 30, started + 30_000), [{ host: 'h0', version: 2 }]);
});

test.run();
