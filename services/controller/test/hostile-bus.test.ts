/**
 * What a clumsy or hostile writer on the bus can do to the controller, on a real nats-server
 * without auth (anyone may publish anywhere): a hello from the far future, garbage on a host's
 * desired subject, invalid reports. Each is refused or survived, visibly, and the fleet moves on.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pino from 'pino';
import { encodeEvent, EventTypes, makeEvent, Streams, subjects, type SyncPhase } from '@fleetnet/contracts';
import {
  agents, api, client, controller, desiredOf, facts, hello, policy, readStream, sleep, startNats, sync, upsertPolicy, waitFor,
  type Client, type NatsServer,
} from './support.ts';
import type { RunningController } from '../src/index.ts';

let nats: NatsServer;
let c: Client;
let ctl: RunningController;
let bots: { stop(): void };
const silent = new Set<string>();
const logLines: { level: number; msg: string; time: number }[] = [];

test.before(async () => {
  nats = await startNats();
  c = await client(nats.url);
  const logger = pino({ level: 'info' }, { write: (s: string) => void logLines.push(JSON.parse(s)) });
  ctl = await controller(nats.url, { unreachableAfterSeconds: 2, logger });
  bots = agents(c, (host) => (silent.has(host) ? 'silent' : 'Applied') as SyncPhase | 'silent', 0);
});

test.after(async () => {
  bots?.stop();
  await ctl?.stop();
  await c?.close();
  await nats?.stop();
});

const rejections = async (subject: string) => (await readStream(c, Streams.intent))
  .filter((e) => e.event.type === EventTypes.intentRejected && (e.event.data as { subject: string }).subject === subject)
  .map((e) => e.event.data as { subject: string; reason: string; eventId?: string });

test('a hello dated 9999 does not keep a silent host reachable: liveness uses the server store time', async () => {
  const s = subjects.hello('future1');
  const ev = makeEvent(EventTypes.hello, 'agent/future1', s, { host: 'future1', agentVersion: 'test', labels: {}, facts: facts() }, { time: new Date('9999-12-31T00:00:00Z') });
  const before = Date.now();
  await c.js.publish(s, encodeEvent(ev), { msgID: ev.id });
  const seen = await waitFor(async () => (await api(c, 'hosts.get', { name: 'future1' })).host, 5000, 'future1 known');
  assert.ok(Date.parse(seen.lastSeen!) >= before - 1000 && Date.parse(seen.lastSeen!) <= Date.now() + 1000, `lastSeen ${seen.lastSeen} is the store time`);
  const gone = await waitFor(async () => {
    const h = (await api(c, 'hosts.get', { name: 'future1' })).host!;
    return h.reachable ? undefined : h;
  }, 10_000, 'future1 unreachable without heartbeats');
  assert.ok(gone.conditions.some((x) => x.type === 'Unreachable' && x.reason === 'NoHeartbeat'));
});

test('garbage on fleetnet.desired.H: a condition on H names it, the next version is published over it, the rollout and other hosts move on, no error flood', async () => {
  for (const h of ['g1', 'g2', 'g3']) await hello(c, h, { group: 'g' });
  await upsertPolicy(c, policy('g-mtu', { hostSelector: { matchLabels: { group: 'g' } }, rollout: { maxUnavailable: 1 }, desiredState: { interfaces: [{ name: 'eth0', mtu: 1500 }] } }));
  await waitFor(async () => (await api(c, 'rollouts.get', { policy: 'g-mtu' })).rollout?.state === 'Complete', 20_000, 'first rollout');

  silent.add('g1');
  const errorsBefore = logLines.filter((l) => l.level >= 50).length;
  const ack = await c.js.publish(subjects.desired('g1'), 'this is not an event {');
  const cond = await waitFor(async () => (await api(c, 'hosts.get', { name: 'g1' })).host!.conditions.find((x) => x.reason === 'UnreadableDesiredRecord'), 10_000, 'condition on g1');
  assert.is(cond.type, 'Invalid');
  assert.match(cond.message, new RegExp(`${Streams.desired} seq ${ack.seq} on fleetnet\\.desired\\.g1`));
  // the controller writes the host's content again, over the garbage: the last record is readable
  const over = await waitFor(async () => {
    const m = await c.jsm.streams.getMessage(Streams.desired, { last_by_subj: subjects.desired('g1') });
    return m && m.seq > ack.seq ? m : undefined;
  }, 10_000, 'a version over the garbage');
  const v = (JSON.parse(new TextDecoder().decode(over.data)) as { data: { version: number; reason: string } }).data;
  assert.is(v.version, 2);
  assert.match(v.reason, new RegExp(`unreadable record at ${Streams.desired} seq ${ack.seq}`));
  const rejected = await waitFor(async () => (await rejections(subjects.desired('g1')))[0], 5000, 'rejection recorded');
  assert.match(rejected.reason, new RegExp(`desired seq ${ack.seq} refused`));

  // once the host reports on the new version the condition goes
  await sync(c, 'g1', 2, 'Applied');
  await waitFor(async () => !(await api(c, 'hosts.get', { name: 'g1' })).host!.conditions.some((x) => x.reason === 'UnreadableDesiredRecord'), 5000, 'condition cleared');
  silent.delete('g1');

  // garbage again, on g2, right before a new revision: every host gets it, the rollout completes
  await c.js.publish(subjects.desired('g2'), new Uint8Array([0xff, 0xfe, 0x00]));
  await upsertPolicy(c, policy('g-mtu', { hostSelector: { matchLabels: { group: 'g' } }, rollout: { maxUnavailable: 1 }, desiredState: { interfaces: [{ name: 'eth0', mtu: 9000 }] } }));
  await waitFor(async () => {
    const r = (await api(c, 'rollouts.get', { policy: 'g-mtu' })).rollout;
    return r?.revision === 2 && r.state === 'Complete';
  }, 20_000, 'second rollout complete');
  for (const h of ['g1', 'g2', 'g3']) {
    const last = (await desiredOf(c, h)).at(-1)!;
    assert.equal(last.data.sources, [{ policy: 'g-mtu', revision: 2 }], h);
  }
  await sleep(1000);
  const errors = logLines.filter((l) => l.level >= 50).slice(errorsBefore);
  assert.ok(errors.length <= 1, `error lines: ${errors.map((l) => l.msg).join(' | ')}`);
});

test('an old desired version stored again on top (a replay): a condition, and the next version goes over it with no duplicate version', async () => {
  silent.add('g3');
  const v1 = (await readStream(c, Streams.desired)).find((e) => e.subject === subjects.desired('g3') && (e.event.data as { version: number }).version === 1)!;
  const replayed = await c.js.publish(subjects.desired('g3'), encodeEvent(v1.event));
  const cond = await waitFor(async () => (await api(c, 'hosts.get', { name: 'g3' })).host!.conditions.find((x) => x.reason === 'UnreadableDesiredRecord'), 10_000, 'condition on g3');
  assert.match(cond.message, `seq ${replayed.seq} on fleetnet.desired.g3`);
  assert.match(cond.message, 'version 1 stored again after version 2');
  const over = await waitFor(async () => (await desiredOf(c, 'g3')).find((e) => e.data.version === 3), 10_000, 'g3 v3 over the replay');
  assert.match(over.data.reason!, `unreadable record at ${Streams.desired} seq ${replayed.seq}`);
  await sync(c, 'g3', 3, 'Applied');
  silent.delete('g3');
  await upsertPolicy(c, policy('g-mtu', { hostSelector: { matchLabels: { group: 'g' } }, rollout: { maxUnavailable: 1 }, desiredState: { interfaces: [{ name: 'eth0', mtu: 1280 }] } }));
  await waitFor(async () => {
    const r = (await api(c, 'rollouts.get', { policy: 'g-mtu' })).rollout;
    return r?.revision === 3 && r.state === 'Complete';
  }, 20_000, 'third rollout complete');
  const written = (await desiredOf(c, 'g3')).filter((e) => e.id !== v1.event.id).map((e) => e.data.version);
  assert.equal(written, [2, 3, 4], 'after version 1: 2, the replayed 1 left out, 3 over it, 4; no version twice');
  assert.equal((await api(c, 'hosts.history', { name: 'g3' })).versions!.map((v) => v.version), [1, 2, 3, 4]);
});

test('garbage on the desired subject of a host with no version yet: version 1 is published over it', async () => {
  await hello(c, 'g9', { group: 'g9' });
  await ctl.settled();
  const ack = await c.js.publish(subjects.desired('g9'), 'junk');
  await upsertPolicy(c, policy('g9-mtu', { hostSelector: { matchLabels: { group: 'g9' } }, desiredState: { interfaces: [{ name: 'eth0', mtu: 1400 }] } }));
  const v1 = await waitFor(async () => (await desiredOf(c, 'g9'))[0], 10_000, 'g9 v1');
  assert.is(v1.data.version, 1);
  assert.match(v1.data.reason!, new RegExp(`unreadable record at ${Streams.desired} seq ${ack.seq}`));
  await waitFor(async () => (await api(c, 'hosts.get', { name: 'g9' })).host!.phase === 'Applied', 5000, 'g9 applied');
});

test('invalid hello, state and sync reports are recorded as rejections and logged, rate-limited per subject', async () => {
  const forged = makeEvent(EventTypes.syncReported, 'agent/x', subjects.sync('bad1'), { host: 'someone-else', version: 1, phase: 'Applied' });
  const cases: [string, Uint8Array | string, RegExp][] = [
    [subjects.hello('bad1'), '{"specversion":"1.0","id":"t1","ty', /truncated/],
    [subjects.state('bad1'), encodeEvent(makeEvent(EventTypes.stateReported, 'agent/bad1', subjects.state('bad1'), { host: 'bad1', state: { interfaces: 7 } } as never)), /invalid data/],
    [subjects.sync('bad1'), encodeEvent(forged), /host "someone-else" differs from the subject's "bad1"/],
  ];
  for (const [s, data] of cases) await c.js.publish(s, data);
  for (const [s, , why] of cases) {
    const r = await waitFor(async () => (await rejections(s))[0], 5000, `rejection for ${s}`);
    assert.match(r.reason, why, s);
  }
  const forgedRejection = (await rejections(subjects.sync('bad1')))[0]!;
  assert.is(forgedRejection.eventId, forged.id);
  assert.ok(logLines.some((l) => l.msg === 'message refused'), 'logged');

  // a flood on one subject: one record per window, the rest counted
  const floodSubject = subjects.hello('bad2');
  for (let i = 0; i < 50; i++) await c.js.publish(floodSubject, `garbage ${i}`);
  await ctl.settled();
  await sleep(300);
  const flood = await rejections(floodSubject);
  assert.is(flood.length, 1, 'one record in the window');
  assert.is(logLines.filter((l) => l.msg === 'message refused' && (l as unknown as { subject: string }).subject === floodSubject).length, 1, 'one log line in the window');
  assert.not.ok((await api(c, 'hosts.get', { name: 'bad2' })).host, 'garbage makes up no host');
});

test('a sync report nested 5,000 levels deep is refused when folded, recorded, and touches nobody', async () => {
  await hello(c, 'deep1', { group: 'deep' });
  await ctl.settled();
  const before = structuredClone(ctl.projection.state.hosts.deep1);
  let nested = '{}';
  for (let i = 0; i < 5000; i++) nested = `{"a":${nested}}`;
  const s = subjects.sync('deep1');
  const text = `{"specversion":"1.0","id":"deep-1","source":"agent/deep1","type":"${EventTypes.syncReported}","subject":"${s}","time":"${new Date().toISOString()}","data":{"host":"deep1","version":1,"phase":"Applied","results":[${nested}]}}`;
  await c.js.publish(s, text);
  const r = await waitFor(async () => (await rejections(s))[0], 5000, 'rejection for the deep report');
  assert.match(r.reason, /levels deep/);
  await ctl.settled();
  assert.equal(ctl.projection.state.hosts.deep1, before, 'the host is as it was');
  const list = await api(c, 'hosts.list', {});
  assert.ok(list.items && list.items.some((h) => h.name === 'deep1'), 'the hosts API answers everybody');
});

test.run();
