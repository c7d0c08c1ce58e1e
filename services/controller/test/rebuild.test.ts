/**
 * Group 6: the projection folded live deep-equals one rebuilt from the streams from scratch, after
 * more than 1,000 events, including forged and broken reports that must change nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeEvent, EventTypes, makeEvent, Streams, subjects } from '@fleetnet/contracts';
import {
  agents, api, client, controller, hello, labelHost, policy, startNats, sync, upsertPolicy, waitFor,
  type Client, type NatsServer,
} from './support.ts';
import { firstDifference } from './first-difference.ts';
import { rebuildFromStreams } from '../src/projection/rebuild.ts';
import type { RunningController } from '../src/index.ts';

let nats: NatsServer;
let c: Client;
let ctl: RunningController;

test.before(async () => {
  nats = await startNats();
  c = await client(nats.url);
  ctl = await controller(nats.url);
});
test.after(async () => {
  await ctl?.stop();
  await c?.close();
  await nats?.stop();
});

const HOSTS = Array.from({ length: 40 }, (_, i) => `e${String(i).padStart(2, '0')}`);

test('forged and broken reports change nothing', async () => {
  const bots = agents(c, (h) => (h === 'e01' ? 'Failed' : 'Applied'), 0);
  for (const h of HOSTS.slice(0, 3)) await hello(c, h, { fleet: 'e' });
  await upsertPolicy(c, policy('forge', { hostSelector: { matchLabels: { fleet: 'e' } }, rollout: { maxUnavailable: 3, failureThreshold: 10 }, desiredState: { interfaces: [{ name: 'eth0', mtu: 1500 }] } }));
  await ctl.settled();
  bots.stop();
  const before = structuredClone({ hosts: ctl.projection.state.hosts, views: ctl.projection.state.views });
  const seqBefore = ctl.projection.state.seq.reports;
  // a sync for a version never published
  await sync(c, 'e00', 7, 'Applied');
  // a truncated event
  await c.js.publish(subjects.sync('e00'), new TextEncoder().encode('{"specversion":"1.0","id":"x","type":"fleetnet.sync.rep'));
  // a replayed event id (same id, new message: no Nats-Msg-Id so the stream stores it again)
  const sub = subjects.sync('e02');
  const orig = makeEvent(EventTypes.syncReported, 'agent/e02', sub, { host: 'e02', version: 1, phase: 'Failed', error: { message: 'replayed' } }, { id: 'replay-me' });
  await c.js.publish(sub, encodeEvent(orig));
  await ctl.settled();
  const afterFirst = structuredClone(ctl.projection.state.hosts.e02);
  await c.js.publish(sub, encodeEvent({ ...orig, data: { ...orig.data, phase: 'Applied' } } as typeof orig));
  // a host speaking on another host's subject, both ways
  const forged = makeEvent(EventTypes.syncReported, 'agent/e01', subjects.sync('e00'), { host: 'e01', version: 1, phase: 'Applied' });
  await c.js.publish(subjects.sync('e00'), encodeEvent(forged));
  const forged2 = makeEvent(EventTypes.syncReported, 'agent/e00', subjects.sync('e00'), { host: 'e00', version: 1, phase: 'Failed', error: { message: 'forged' } });
  await c.js.publish(subjects.sync('e01'), encodeEvent(forged2));
  await ctl.settled();
  const s = ctl.projection.state;
  assert.ok(s.seq.reports >= seqBefore + 6, 'the messages were folded (their sequences)');
  assert.equal(s.views.hosts.e00, before.views.hosts.e00, 'e00 unchanged');
  assert.equal(s.views.hosts.e01, before.views.hosts.e01, 'e01 unchanged');
  assert.equal(s.hosts.e02, afterFirst, 'the replayed id changed nothing after its first fold');
  assert.is(s.views.hosts.e01!.phase, 'Failed');
  assert.is(s.views.hosts.e00!.phase, 'Applied');
});

test('live projection deep-equals a rebuild from the streams after > 1,000 events', async () => {
  const bots = agents(c, (h, v) => (h.endsWith('7') && v % 2 === 0 ? 'Failed' : 'Applied'), 0);
  for (const h of HOSTS) await hello(c, h, { fleet: 'e', rack: `r${Number(h.slice(1)) % 4}` });
  for (let rev = 1; rev <= 6; rev++) {
    await upsertPolicy(c, policy('fleet-e', {
      hostSelector: { matchLabels: { fleet: 'e' } }, rollout: { maxUnavailable: '50%', failureThreshold: 100 },
      desiredState: { interfaces: [{ name: 'eth1', mtu: 1500 + rev }] },
    }));
    await upsertPolicy(c, policy(`rack-${rev % 4}`, {
      priority: rev, hostSelector: { matchExpressions: [{ key: 'rack', operator: 'In', values: [`r${rev % 4}`] }] },
      desiredState: { routes: { config: [{ destination: `10.${rev}.0.0/16`, 'next-hop-address': '10.0.0.1' }] } },
    }));
    await waitFor(async () => (await api(c, 'rollouts.get', { policy: 'fleet-e' })).rollout?.revision === rev, 20_000, 'revision folded');
    await waitFor(async () => ['Complete', 'Halted'].includes((await api(c, 'rollouts.get', { policy: 'fleet-e' })).rollout!.state), 30_000, `revision ${rev} done`);
  }
  for (const h of HOSTS) {
    for (let i = 0; i < 10; i++) {
      const ev = makeEvent(EventTypes.stateReported, `agent/${h}`, subjects.state(h), { host: h, state: { interfaces: [{ name: 'eth1', mtu: 1500 + i }] } });
      await c.js.publish(subjects.state(h), encodeEvent(ev), { msgID: ev.id });
    }
  }
  for (const h of HOSTS.slice(0, 10)) await labelHost(c, h, { rack: 'r9' });
  await ctl.settled();
  bots.stop();
  await ctl.settled();
  const live = ctl.projection.state;
  const total = live.seq.intent + live.seq.desired + live.seq.reports;
  assert.ok(total >= 1000, `at least 1,000 events, got ${total}`);
  const rebuilt = await rebuildFromStreams(ctl.bus, live.seq);
  assert.equal(rebuilt.seq, live.seq);
  assert.equal(Object.keys(rebuilt.hosts).sort(), Object.keys(live.hosts).sort());
  assert.equal(rebuilt.views.rollouts, live.views.rollouts, 'rollouts equal');
  assert.equal(rebuilt.views.policies, live.views.policies, 'policy views equal');
  assert.equal(rebuilt.views.hosts, live.views.hosts, 'host views equal');
  assert.equal(firstDifference(rebuilt, live), undefined, 'no difference anywhere');
  assert.equal(rebuilt, live, 'the whole projection is deep-equal');
  // The KV copy carries the same folded sequences.
  const { Kvm } = await import('@nats-io/kv');
  const meta = await (await new Kvm(c.js).open('fleetnet_projection')).get('seq');
  await waitFor(async () => {
    const m = await (await new Kvm(c.js).open('fleetnet_projection')).get('seq');
    return m && JSON.stringify(m.json()) === JSON.stringify(live.seq);
  }, 5000, 'KV meta seq');
  assert.ok(meta);
  assert.ok((await c.jsm.streams.info(Streams.reports)).state.messages > 300);
});

test.run();
