/**
 * Intent is checked in one place on a real nats-server: what the intake rejects, the fold has not
 * taken either.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeEvent, EventTypes, makeEvent, Streams, subjects } from '@fleetnet/contracts';
import {
  agents, client, controller, desiredOf, hello, policy, readStream, startNats, upsertPolicy, waitFor,
  type Client, type NatsServer,
} from './support.ts';
import type { RunningController } from '../src/index.ts';

let nats: NatsServer;
let c: Client;
let ctl: RunningController;
let bots: { stop(): void };

test.before(async () => {
  nats = await startNats();
  c = await client(nats.url);
  ctl = await controller(nats.url);
  bots = agents(c, () => 'Applied', 0);
});

test.after(async () => {
  bots?.stop();
  await ctl?.stop();
  await c?.close();
  await nats?.stop();
});

test('a rollback to a version that does not exist is rejected and pins nothing: the host still gets new policies', async () => {
  await upsertPolicy(c, policy('rb-db', { hostSelector: { matchLabels: { role: 'db' } }, desiredState: { interfaces: [{ name: 'eth0', mtu: 9000 }] } }));
  await upsertPolicy(c, policy('rb-web', { hostSelector: { matchLabels: { role: 'web' } }, desiredState: { interfaces: [{ name: 'eth0', mtu: 1500 }] } }));
  await hello(c, 'rb1', { role: 'web' });
  await waitFor(async () => (await desiredOf(c, 'rb1')).length === 1, 10_000, 'rb1 v1');

  // Published straight to the intent stream, as any client with intent rights can (the API refuses it earlier).
  const subject = subjects.intentHost('rb1');
  const ev = makeEvent(EventTypes.hostRollbackRequested, 'test', subject, { host: 'rb1', toVersion: 9 });
  await c.js.publish(subject, encodeEvent(ev), { msgID: ev.id });
  const rejection = await waitFor(async () => (await readStream(c, Streams.intent)).find((e) =>
    e.event.type === EventTypes.intentRejected && (e.event.data as { eventId?: string }).eventId === ev.id), 10_000, 'rejection');
  assert.match((rejection.event.data as { reason: string }).reason, /host "rb1" has no desired version 9 \(newest is 1\)/);
  await ctl.settled();
  assert.is(ctl.projection.state.hosts.rb1!.pin, undefined, 'the fold did not pin the host');

  // The agent now says it is a db host: the policy selecting it must reach it.
  await hello(c, 'rb1', { role: 'db' });
  const v2 = await waitFor(async () => (await desiredOf(c, 'rb1'))[1], 10_000, 'rb1 v2 after the relabel');
  assert.equal(v2.data.sources, [{ policy: 'rb-db', revision: 1 }]);
  assert.is(v2.data.rollbackOf, undefined);
});

test('a rollback to a version that exists still counts', async () => {
  const subject = subjects.intentHost('rb1');
  const ev = makeEvent(EventTypes.hostRollbackRequested, 'test', subject, { host: 'rb1', toVersion: 1 });
  await c.js.publish(subject, encodeEvent(ev), { msgID: ev.id });
  const v3 = await waitFor(async () => (await desiredOf(c, 'rb1'))[2], 10_000, 'rb1 v3, the rollback');
  assert.is(v3.data.rollbackOf, 1);
  assert.equal(v3.data.sources, [{ policy: 'rb-web', revision: 1 }]);
  const rejected = (await readStream(c, Streams.intent)).filter((e) =>
    e.event.type === EventTypes.intentRejected && (e.event.data as { eventId?: string }).eventId === ev.id);
  assert.is(rejected.length, 0);
});

test.run();
