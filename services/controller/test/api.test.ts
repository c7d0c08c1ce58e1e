/**
 * Group 7: every API method over NATS request/reply, including its errors; `plan` publishes
 * nothing; invalid intent is answered with a rejected event and never stops the controller.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventTypes, Streams, subjects } from '@fleetnet/contracts';
import {
  agents, api, client, controller, desiredOf, hello, policy, readStream, startNats, upsertPolicy, waitFor,
  type Client, type NatsServer,
} from './support.ts';
import type { RunningController } from '../src/index.ts';

let nats: NatsServer;
let c: Client;
let ctl: RunningController;
let bots: { stop(): void };

const web = (mtu: number) => policy('web', { hostSelector: { matchLabels: { role: 'web' } }, rollout: { maxUnavailable: 3 }, desiredState: { interfaces: [{ name: 'eth0', mtu }] } }, { team: 'net' });

test.before(async () => {
  nats = await startNats();
  c = await client(nats.url);
  ctl = await controller(nats.url, { unreachableAfterSeconds: 60 });
  bots = agents(c, () => 'Applied', 0);
  await hello(c, 'w1', { role: 'web', zone: 'a' });
  await hello(c, 'w2', { role: 'web', zone: 'b' });
  await hello(c, 'd1', { role: 'db', zone: 'a', ssd: 'yes' });
  await upsertPolicy(c, web(1500));
  await upsertPolicy(c, policy('db', { hostSelector: { matchLabels: { role: 'db' } }, desiredState: { interfaces: [{ name: 'eth0', mtu: 1400 }] } }));
  await ctl.settled();
  await upsertPolicy(c, web(9000));
  await waitFor(async () => (await api(c, 'rollouts.get', { policy: 'web' })).rollout?.revision === 2, 10_000);
  await waitFor(async () => (await api(c, 'rollouts.get', { policy: 'web' })).rollout?.state === 'Complete', 10_000);
  await ctl.settled();
});

test.after(async () => {
  bots?.stop();
  await ctl?.stop();
  await c?.close();
  await nats?.stop();
});

const names = (r: { items?: { name: string }[] }) => r.items!.map((i) => i.name);

test('hosts.list: selectors, phase filter, paging, and their errors', async () => {
  assert.equal(names(await api(c, 'hosts.list', {})), ['d1', 'w1', 'w2']);
  assert.equal(names(await api(c, 'hosts.list', { selector: 'role=web' })), ['w1', 'w2']);
  assert.equal(names(await api(c, 'hosts.list', { selector: 'role!=web' })), ['d1']);
  assert.equal(names(await api(c, 'hosts.list', { selector: 'zone in (a),role notin (db)' })), ['w1']);
  assert.equal(names(await api(c, 'hosts.list', { selector: '!ssd' })), ['w1', 'w2']);
  assert.equal(names(await api(c, 'hosts.list', { selector: 'ssd' })), ['d1']);
  assert.equal(names(await api(c, 'hosts.list', { phase: 'Applied' })), ['d1', 'w1', 'w2']);
  assert.equal(names(await api(c, 'hosts.list', { phase: 'Failed' })), []);
  const page = await api(c, 'hosts.list', { limit: 2 });
  assert.equal(names(page), ['d1', 'w1']);
  assert.is(page.total, 3);
  assert.type(page.continue, 'string');
  const page2 = await api(c, 'hosts.list', { limit: 2, continue: page.continue });
  assert.equal(names(page2), ['w2']);
  assert.is(page2.continue, undefined);
  const bad = await api(c, 'hosts.list', { selector: 'zone in (a' });
  assert.is(bad.error?.code, 'BAD_REQUEST');
  assert.match(bad.error!.message, /unbalanced/);
  assert.is((await api(c, 'hosts.list', { phase: 'Sleeping' })).error?.code, 'BAD_REQUEST');
  const lim = await api(c, 'hosts.list', { limit: 0 });
  assert.is(lim.error?.code, 'BAD_REQUEST');
  assert.is(lim.error?.details?.[0]?.path, 'limit');
  assert.is((await api(c, 'hosts.list', { bogus: 1 })).error?.code, 'BAD_REQUEST');
});

test('hosts.get / hosts.history / hosts.desired, and NOT_FOUND / BAD_REQUEST', async () => {
  const g = await api(c, 'hosts.get', { name: 'w1' });
  assert.is(g.host!.desiredVersion, 2);
  assert.is(g.host!.appliedVersion, 2);
  assert.is(g.host!.phase, 'Applied');
  assert.is(g.host!.inSync, true);
  assert.ok(g.host!.reachable, 'reports count as seen');
  assert.ok(g.events!.some((e) => /desired v2/.test(e.summary)));
  assert.ok(g.events!.some((e) => /v2 Applied/.test(e.summary)));
  assert.is((await api(c, 'hosts.get', { name: 'nope' })).error?.code, 'NOT_FOUND');
  const badName = await api(c, 'hosts.get', { name: 'a.b' });
  assert.is(badName.error?.code, 'BAD_REQUEST');
  assert.is(badName.error?.details?.[0]?.path, 'name');
  assert.not.match(JSON.stringify(badName), /at .*\.ts:\d+/, 'no stack trace');
  const h = await api(c, 'hosts.history', { name: 'w1' });
  assert.equal(h.versions!.map((v) => [v.version, v.outcome]), [[1, 'Applied'], [2, 'Applied']]);
  assert.equal(h.versions![1]!.sources, [{ policy: 'web', revision: 2 }]);
  const d = await api(c, 'hosts.desired', { name: 'w1' });
  assert.is(d.version, 2);
  assert.is(d.state!.interfaces![0]!.mtu, 9000);
  assert.is((await api(c, 'hosts.desired', { name: 'w1', version: 1 })).state!.interfaces![0]!.mtu, 1500);
  assert.is((await api(c, 'hosts.desired', { name: 'w1', version: 9 })).error?.code, 'NOT_FOUND');
});

test('hosts.rollback republishes the content of version N as a new version', async () => {
  const r = await api(c, 'hosts.rollback', { name: 'w2', toVersion: 1 });
  assert.not.ok(r.error, JSON.stringify(r.error));
  assert.is(r.version, 3);
  const vs = await desiredOf(c, 'w2');
  assert.is(vs.length, 3);
  assert.is(vs[2]!.data.contentHash, vs[0]!.data.contentHash);
  assert.is(vs[2]!.data.rollbackOf, 1);
  assert.is(vs[2]!.data.state.interfaces![0]!.mtu, 1500);
  await ctl.settled();
  assert.is((await desiredOf(c, 'w2')).length, 3, 'the rollback is not immediately undone by a recompile');
  const h = await api(c, 'hosts.history', { name: 'w2' });
  assert.is(h.versions![2]!.rollbackOf, 1);
  assert.is(h.versions![1]!.outcome, 'Applied');
  assert.is((await api(c, 'hosts.rollback', { name: 'w2', toVersion: 9 })).error?.code, 'NOT_FOUND');
  assert.is((await api(c, 'hosts.rollback', { name: 'w2', toVersion: 1 })).error?.code, 'CONFLICT');
  assert.is((await api(c, 'hosts.rollback', { name: 'w2' })).error?.code, 'BAD_REQUEST');
});

test('policies.list / policies.get', async () => {
  assert.equal(names(await api(c, 'policies.list', {})), ['db', 'web']);
  assert.equal(names(await api(c, 'policies.list', { selector: 'team=net' })), ['web']);
  const p = await api(c, 'policies.get', { name: 'web' });
  assert.is(p.policy!.revision, 2);
  assert.equal(p.policy!.matchedHosts, ['w1', 'w2']);
  assert.is((await api(c, 'policies.get', { name: 'nope' })).error?.code, 'NOT_FOUND');
});

test('rollouts.list / get / pause / resume', async () => {
  const l = await api(c, 'rollouts.list', {});
  assert.equal(l.items!.map((r) => r.policy), ['db', 'web']);
  const r = await api(c, 'rollouts.get', { policy: 'web' });
  assert.is(r.rollout!.state, 'Complete');
  assert.is(r.rollout!.counts.succeeded, 2);
  assert.is((await api(c, 'rollouts.get', { policy: 'nope' })).error?.code, 'NOT_FOUND');
  assert.is((await api(c, 'rollouts.pause', { policy: 'web' })).rollout!.state, 'Paused');
  assert.is((await api(c, 'policies.get', { name: 'web' })).policy!.conditions[0]?.type, 'Paused');
  assert.is((await api(c, 'rollouts.resume', { policy: 'web' })).rollout!.state, 'Complete');
  assert.is((await api(c, 'rollouts.pause', { policy: 'nope' })).error?.code, 'NOT_FOUND');
});

test('plan: matched hosts and changes against desired and actual; publishes nothing', async () => {
  const actual = { interfaces: [{ name: 'eth0', mtu: 9000 }, { name: 'eth1', mtu: 1500 }] };
  const { makeEvent, encodeEvent } = await import('@fleetnet/contracts');
  const ev = makeEvent(EventTypes.stateReported, 'agent/w1', subjects.state('w1'), { host: 'w1', state: actual });
  await c.js.publish(subjects.state('w1'), encodeEvent(ev));
  await ctl.settled();
  const seqs = async () => Promise.all([Streams.intent, Streams.desired, Streams.reports].map(async (s) => (await c.jsm.streams.info(s)).state.last_seq));
  const before = await seqs();
  const p = await api(c, 'plan', { policy: policy('web', { hostSelector: { matchLabels: { role: 'web' } }, desiredState: { interfaces: [{ name: 'eth0', mtu: 9000 }, { name: 'eth1', mtu: 1600 }] } }) });
  assert.not.ok(p.error, JSON.stringify(p.error));
  assert.is(p.policy, 'web');
  assert.equal(p.matchedHosts!.map((m) => m.host), ['w1', 'w2']);
  assert.is(p.unmatchedHosts, 1);
  const w1 = p.matchedHosts![0]!;
  assert.is(w1.currentVersion, 2);
  assert.equal(w1.changes, [{ op: 'add', path: 'interfaces[eth1]', to: { name: 'eth1', mtu: 1600 } }]);
  assert.equal(w1.actualChanges, [{ op: 'modify', path: 'interfaces[eth1].mtu', from: 1500, to: 1600 }]);
  const w2 = p.matchedHosts![1]!;
  assert.ok(w2.changes.some((x) => x.path === 'interfaces[eth0].mtu' && x.to === 9000 && x.from === 1500), 'w2 is on the rolled-back content');
  const conflict = await api(c, 'plan', { policy: policy('rival', { hostSelector: { matchLabels: { role: 'db' } }, desiredState: { interfaces: [{ name: 'eth0', mtu: 1000 }] } }) });
  assert.equal(conflict.matchedHosts![0]!.conflicts, ['interfaces[eth0].mtu: db vs rival']);
  const bad = await api(c, 'plan', { policy: { ...policy('x', {}), spec: { desiredState: { interfaces: [{ name: 'eth0', mtu: 5 }] } } } });
  assert.is(bad.error?.code, 'BAD_REQUEST');
  assert.ok(bad.error!.details!.some((d) => /mtu/.test(d.path)));
  assert.equal(await seqs(), before, 'no stream got a message');
  assert.is((await api(c, 'hosts.get', { name: 'w1' })).host!.desiredVersion, 2);
});

test('KV buckets hold the same views the API serves, and the folded sequences', async () => {
  const { Kvm } = await import('@nats-io/kv');
  const { KvBuckets } = await import('@fleetnet/contracts');
  const kvm = new Kvm(c.js);
  await ctl.settled();
  const seq = ctl.projection.state.seq;
  await waitFor(async () => JSON.stringify((await (await kvm.open(KvBuckets.meta)).get('seq'))?.json()) === JSON.stringify(seq), 5000, 'meta seq');
  const host = (await api(c, 'hosts.get', { name: 'd1' })).host!;
  assert.equal((await (await kvm.open(KvBuckets.hosts)).get('d1'))!.json(), host);
  assert.equal((await (await kvm.open(KvBuckets.policies)).get('web'))!.json(), (await api(c, 'policies.get', { name: 'web' })).policy);
  assert.equal((await (await kvm.open(KvBuckets.rollouts)).get('web'))!.json(), (await api(c, 'rollouts.get', { policy: 'web' })).rollout);
});

test('unknown method, non-JSON body; invalid intent is rejected with a reason and the controller goes on', async () => {
  const r = await c.nc.request('fleetnet.api.hosts.explode', '{}', { timeout: 5000 });
  assert.is(r.json<{ error: { code: string } }>().error.code, 'NOT_FOUND');
  const nj = await c.nc.request(subjects.api('hosts.list'), '{not json', { timeout: 5000 });
  assert.is(nj.json<{ error: { code: string } }>().error.code, 'BAD_REQUEST');

  const { makeEvent, encodeEvent } = await import('@fleetnet/contracts');
  const mismatch = makeEvent(EventTypes.policyUpserted, 'test', subjects.intentPolicy('alpha'), { policy: policy('beta', {}) });
  await c.js.publish(subjects.intentPolicy('alpha'), encodeEvent(mismatch));
  await c.js.publish(subjects.intentPolicy('alpha'), new TextEncoder().encode('{"specversion":"1.0","id":"trunc'));
  const unknown = makeEvent(EventTypes.policyDeleted, 'test', subjects.intentPolicy('ghost'), { name: 'ghost' });
  await c.js.publish(subjects.intentPolicy('ghost'), encodeEvent(unknown));
  const invalid = makeEvent(EventTypes.policyUpserted, 'test', subjects.intentPolicy('bad'), { policy: { ...policy('bad', {}), spec: { desiredState: { interfaces: [{ name: 'eth0', mtu: 5 }] } } } } as never);
  await c.js.publish(subjects.intentPolicy('bad'), encodeEvent(invalid));
  const sem = makeEvent(EventTypes.policyUpserted, 'test', subjects.intentPolicy('sem'), {
    policy: policy('sem', { desiredState: { interfaces: [{ name: 'fast', 'fleetnet.io/match': { 'vendor-id': '15b3' } }] } }),
  });
  await c.js.publish(subjects.intentPolicy('sem'), encodeEvent(sem));
  const rejected = await waitFor(async () => {
    const evs = (await readStream(c, Streams.intent)).filter((e) => e.event.type === EventTypes.intentRejected);
    return evs.length >= 5 ? evs : undefined;
  }, 10_000, 'rejections');
  const reasons = rejected.map((e) => (e.event.data as { reason: string }).reason);
  assert.ok(reasons.some((x) => /differs from the subject/.test(x)), reasons.join(' | '));
  assert.ok(reasons.some((x) => /truncated/.test(x)), reasons.join(" | "));
  assert.ok(reasons.some((x) => /unknown policy "ghost"/.test(x)));
  assert.ok(reasons.some((x) => /policy "sem" is invalid/.test(x)), reasons.join(' | '));
  const badRej = rejected.find((e) => e.subject === 'fleetnet.intent.rejected' && (e.event.data as { subject: string }).subject === subjects.intentPolicy('bad'));
  assert.ok(badRej, reasons.join(' | '));
  assert.match((badRej!.event.data as { reason: string }).reason, /invalid data/);
  assert.ok((badRej!.event.data as { errors?: { path: string }[] }).errors!.some((e) => /mtu/.test(e.path)));
  assert.is((await api(c, 'policies.get', { name: 'bad' })).error?.code, 'NOT_FOUND');
  assert.equal(names(await api(c, 'policies.list', {})), ['db', 'web'], 'still answering');
});

test.run();
