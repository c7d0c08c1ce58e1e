/**
 * Group 3 on a real nats-server: maxUnavailable asserted from the event sequence, canary failure
 * halts, pause/resume, a host that never answers times out.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventTypes, Streams, type SyncPhase } from '@fleetnet/contracts';
import {
  agents, api, client, controller, desiredOf, hello, policy, readStream, sleep, startNats, upsertPolicy, waitFor,
  type Client, type NatsServer,
} from './support.ts';
import type { RunningController } from '../src/index.ts';

let nats: NatsServer;
let c: Client;
let ctl: RunningController;
let bots: { stop(): void };
const failing = new Set<string>();
const silent = new Set<string>();

test.before(async () => {
  nats = await startNats();
  c = await client(nats.url);
  ctl = await controller(nats.url, { unreachableAfterSeconds: 2 });
  bots = agents(c, (host) => (silent.has(host) ? 'silent' : failing.has(host) ? 'Failed' : 'Applied') as SyncPhase | 'silent', 0);
});

test.after(async () => {
  bots?.stop();
  await ctl?.stop();
  await c?.close();
  await nats?.stop();
});

const rollout = async (p: string) => (await api(c, 'rollouts.get', { policy: p })).rollout!;

test('maxUnavailable 2 over 10 hosts: never more than 2 between desired and final sync (from the streams)', async () => {
  const hosts = Array.from({ length: 10 }, (_, i) => `m${String(i).padStart(2, '0')}`);
  for (const h of hosts) await hello(c, h, { group: 'm' });
  await upsertPolicy(c, policy('roll-m', { hostSelector: { matchLabels: { group: 'm' } }, rollout: { maxUnavailable: 2 }, desiredState: { interfaces: [{ name: 'eth0', mtu: 9000 }] } }));
  await waitFor(async () => (await rollout('roll-m'))?.state === 'Complete', 30_000, 'rollout complete');
  const desired = (await readStream(c, Streams.desired)).filter((e) => hosts.includes((e.event.data as { host: string }).host));
  const reports = (await readStream(c, Streams.reports)).filter((e) => e.event.type === EventTypes.syncReported);
  const timeline = [...desired.map((e) => ({ ...e, kind: 'desired' as const })), ...reports.map((e) => ({ ...e, kind: 'sync' as const }))]
    .sort((a, b) => a.timeNs - b.timeNs);
  const open = new Map<string, number>();
  let max = 0;
  for (const e of timeline) {
    const d = e.event.data as { host: string; version: number; phase?: string };
    if (!hosts.includes(d.host)) continue;
    if (e.kind === 'desired') open.set(d.host, d.version);
    else if (open.get(d.host) === d.version && (d.phase === 'Applied' || d.phase === 'Failed')) open.delete(d.host);
    max = Math.max(max, open.size);
  }
  assert.is(open.size, 0, 'every published version got its final sync');
  assert.is(desired.length, 10, 'one version per host');
  assert.ok(max <= 2, `at most 2 in flight, saw ${max}`);
  assert.is(max, 2, 'the rollout did use its 2 slots');
  const r = await rollout('roll-m');
  assert.equal(r.counts, { total: 10, pending: 0, inProgress: 0, succeeded: 10, failed: 0 });
  assert.is(r.maxUnavailable, 2);
});

test('a failing canary halts the rollout; the other hosts keep their previous version', async () => {
  const hosts = ['k0', 'k1', 'k2', 'k3', 'k4'];
  for (const h of hosts) await hello(c, h, { group: 'k' });
  await upsertPolicy(c, policy('base-k', { hostSelector: { matchLabels: { group: 'k' } }, rollout: { maxUnavailable: 5 }, desiredState: { interfaces: [{ name: 'eth0', mtu: 1500 }] } }));
  await waitFor(async () => (await rollout('base-k'))?.state === 'Complete', 30_000, 'base rollout complete');
  failing.add('k0');
  await upsertPolicy(c, policy('canary-k', {
    hostSelector: { matchLabels: { group: 'k' } }, rollout: { maxUnavailable: 2, canary: 1, failureThreshold: 3 },
    desiredState: { interfaces: [{ name: 'eth1', mtu: 9000 }] },
  }));
  await waitFor(async () => (await rollout('canary-k'))?.state === 'Halted', 30_000, 'rollout halted');
  await ctl.settled();
  const r = await rollout('canary-k');
  assert.is(r.hosts.k0!.phase, 'Failed');
  assert.ok(r.hosts.k0!.canary);
  for (const h of hosts.slice(1)) assert.is(r.hosts[h]!.phase, 'Pending', `${h} never started`);
  assert.equal(r.failures.map((f) => f.host), ['k0']);
  assert.match(r.failures[0]!.reason, /probe gateway failed on k0/);
  for (const h of hosts.slice(1)) {
    const versions = await desiredOf(c, h);
    assert.is(versions.length, 1, `${h} is still on version 1`);
    assert.not.ok(versions.some((v) => v.data.sources.some((s) => s.policy === 'canary-k')));
  }
  const pv = (await api(c, 'policies.get', { name: 'canary-k' })).policy!;
  const halted = pv.conditions.find((x) => x.type === 'Halted');
  assert.ok(halted, 'policy has a Halted condition');
  assert.match(halted!.message, /k0: Failed: probe gateway failed on k0/);
  failing.delete('k0');
});

test('pause stops new admissions, resume continues; both are intent events', async () => {
  const hosts = ['q0', 'q1', 'q2', 'q3', 'q4', 'q5'];
  for (const h of hosts) await hello(c, h, { group: 'q' });
  await ctl.settled();
  silent.add('q1');
  await upsertPolicy(c, policy('pause-q', { hostSelector: { matchLabels: { group: 'q' } }, rollout: { maxUnavailable: 1, failureThreshold: 5, hostTimeoutSeconds: 600 }, desiredState: { interfaces: [{ name: 'eth0', mtu: 1400 }] } }));
  // q0 succeeds, q1 never answers: the rollout stands at one in progress.
  await waitFor(async () => (await rollout('pause-q'))?.hosts.q1?.phase === 'InProgress', 30_000, 'q1 in progress');
  const paused = await api(c, 'rollouts.pause', { policy: 'pause-q' });
  assert.is(paused.rollout!.state, 'Paused');
  silent.delete('q1');
  const { sync } = await import('./support.ts');
  await sync(c, 'q1', (await desiredOf(c, 'q1')).at(-1)!.data.version, 'Applied');
  await ctl.settled();
  await sleep(300);
  await ctl.settled();
  let r = await rollout('pause-q');
  assert.is(r.state, 'Paused');
  assert.is(r.counts.succeeded, 2);
  assert.is(r.counts.pending, 4, 'nothing was admitted while paused');
  const resumed = await api(c, 'rollouts.resume', { policy: 'pause-q' });
  assert.not.equal(resumed.rollout!.state, 'Paused');
  await waitFor(async () => (await rollout('pause-q'))?.state === 'Complete', 30_000, 'complete after resume');
  r = await rollout('pause-q');
  assert.is(r.counts.succeeded, 6);
  const intent = await readStream(c, Streams.intent);
  const types = intent.filter((e) => e.subject === 'fleetnet.intent.policy.pause-q').map((e) => e.event.type);
  assert.ok(types.includes(EventTypes.rolloutPaused) && types.includes(EventTypes.rolloutResumed));
  assert.ok(types.indexOf(EventTypes.rolloutPaused) < types.indexOf(EventTypes.rolloutResumed));
});

test('a host that never answers times out (recorded as an event) and the rollout goes on', async () => {
  const hosts = ['t0', 't1', 't2'];
  for (const h of hosts) await hello(c, h, { group: 't' });
  silent.add('t1');
  await upsertPolicy(c, policy('timeout-t', {
    hostSelector: { matchLabels: { group: 't' } }, rollout: { maxUnavailable: 1, failureThreshold: 2, hostTimeoutSeconds: 1 },
    desiredState: { interfaces: [{ name: 'eth0', mtu: 1450 }] },
  }));
  await waitFor(async () => (await rollout('timeout-t'))?.state === 'Complete', 30_000, 'rollout complete despite the silent host');
  const r = await rollout('timeout-t');
  assert.is(r.hosts.t1!.phase, 'TimedOut');
  assert.match(r.hosts.t1!.reason!, /TimedOut/);
  assert.is(r.hosts.t0!.phase, 'Succeeded');
  assert.is(r.hosts.t2!.phase, 'Succeeded');
  assert.is(r.counts.failed, 1);
  const intent = await readStream(c, Streams.intent);
  const timedOut = intent.filter((e) => e.event.type === EventTypes.rolloutHostTimedOut);
  assert.is(timedOut.length, 1);
  assert.is((timedOut[0]!.event.data as { host: string }).host, 't1');
  silent.delete('t1');
});

test('heartbeats keep a host reachable; silence makes it Unreachable (API and KV)', async () => {
  const { encodeEvent, EventTypes, makeEvent, subjects, KvBuckets } = await import('@fleetnet/contracts');
  const { Kvm } = await import('@nats-io/kv');
  await hello(c, 'hb1', { group: 'hb' });
  const beat = () => c.nc.publish(subjects.heartbeat('hb1'), encodeEvent(makeEvent(EventTypes.heartbeat, 'agent/hb1', subjects.heartbeat('hb1'), { host: 'hb1' })));
  // a forged heartbeat for hb2 on hb1's subject counts for nobody
  c.nc.publish(subjects.heartbeat('hb1'), encodeEvent(makeEvent(EventTypes.heartbeat, 'agent/hb2', subjects.heartbeat('hb1'), { host: 'hb2' })));
  const timer = setInterval(beat, 300);
  try {
    await sleep(2500);
    const live = (await api(c, 'hosts.get', { name: 'hb1' })).host!;
    assert.ok(live.reachable, 'reachable while beating, past the hello');
    assert.not.ok(live.conditions.some((x) => x.type === 'Unreachable'));
  } finally {
    clearInterval(timer);
  }
  const gone = await waitFor(async () => {
    const h = (await api(c, 'hosts.get', { name: 'hb1' })).host!;
    return h.reachable ? undefined : h;
  }, 10_000, 'unreachable');
  const cond = gone.conditions.find((x) => x.type === 'Unreachable');
  assert.ok(cond);
  assert.is(cond!.reason, 'NoHeartbeat');
  const kv = await new Kvm(c.js).open(KvBuckets.hosts);
  await waitFor(async () => (await kv.get('hb1'))?.json<{ reachable: boolean }>().reachable === false, 5000, 'KV shows unreachable');
  beat();
  await waitFor(async () => (await api(c, 'hosts.get', { name: 'hb1' })).host!.reachable, 5000, 'reachable again');
});

test.run();
