/** Hostile input at the pure fold and the refusal limiter (the bus side is hostile-bus.test.ts). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeEvent, EventTypes, makeEvent, subjects } from '@fleetnet/contracts';
import { firstDifference } from './first-difference.ts';
import type { FoldInput } from '../src/projection/decode.ts';
import { Projector } from '../src/projection/projector.ts';
import { RefusalLimiter } from '../src/projection/refusals.ts';

const T0 = Date.parse('2026-11-30T00:00:00Z');
const facts = { nics: [{ name: 'eth0' }], kernel: { release: '6', capabilities: { bond: false, vlan: false, dummy: false, macvlan: true, vxlan: true, ovs: true } } };
const seq = { intent: 0, desired: 0, reports: 0 };

const helloAt = (host: string, agentTime: string, storedMs: number): FoldInput => {
  const s = subjects.hello(host);
  return { stream: 'reports', seq: ++seq.reports, subject: s, storedMs, data: encodeEvent(makeEvent(EventTypes.hello, 'a', s, { host, agentVersion: '1', labels: {}, facts }, { time: new Date(agentTime) })) };
};
const desired = (host: string, version: number, storedMs: number): FoldInput => {
  const s = subjects.desired(host);
  return { stream: 'desired', seq: ++seq.desired, subject: s, storedMs, data: encodeEvent(makeEvent(EventTypes.desiredPublished, 'c', s, {
    host, version, state: {}, contentHash: `h${version}`, sources: [],
  }, { time: new Date(storedMs) })) };
};
const garbage = (host: string, storedMs: number): FoldInput => ({ stream: 'desired', seq: ++seq.desired, subject: subjects.desired(host), storedMs, data: 'not an event' });
const syncOf = (host: string, version: number, storedMs: number): FoldInput => {
  const s = subjects.sync(host);
  return { stream: 'reports', seq: ++seq.reports, subject: s, storedMs, data: encodeEvent(makeEvent(EventTypes.syncReported, 'a', s, { host, version, phase: 'Applied' }, { time: new Date(storedMs) })) };
};
const run = (msgs: FoldInput[]) => {
  const p = new Projector();
  for (const m of msgs) p.apply(m);
  p.flush();
  return p.state;
};

test('lastSeen is when the server stored the report, whatever time the agent wrote', () => {
  const st = run([helloAt('h1', '9999-12-31T00:00:00Z', T0)]);
  assert.is(st.hosts.h1!.lastSeen, new Date(T0).toISOString());
  assert.is(st.views.hosts.h1!.lastSeen, new Date(T0).toISOString());
});

test('a hello dated 9999 does not make a host impossible to retire: hello and retire compare server times', () => {
  const s = subjects.intentHost('h3');
  const retire: FoldInput = { stream: 'intent', seq: ++seq.intent, subject: s, storedMs: T0 + 1000,
    data: encodeEvent(makeEvent(EventTypes.hostRetired, 'op', s, { host: 'h3' }, { time: new Date(T0 + 1000) })) };
  const hello1 = helloAt('h3', '9999-12-31T00:00:00Z', T0);
  let st = run([hello1, retire]);
  assert.ok(st.views.hosts.h3!.retired, 'retired after a hello stored before the request');
  assert.is(st.hosts.h3!.registeredAt, new Date(T0).toISOString());
  st = run([hello1, retire, helloAt('h3', '2000-01-01T00:00:00Z', T0 + 2000)]);
  assert.not.ok(st.views.hosts.h3!.retired, 'a hello stored after the request brings it back');
});

test('an unreadable desired record: a condition naming it until the host reports on a version stored after it; no host made up', () => {
  const msgs = [helloAt('h2', '2026-11-30T00:00:00Z', T0), desired('h2', 1, T0 + 1000)];
  const bad = garbage('h2', T0 + 2000);
  msgs.push(bad, garbage('nobody', T0 + 2000));
  let st = run(msgs);
  assert.is(st.hosts.nobody, undefined, 'garbage for an unknown host makes up no host');
  let cond = st.views.hosts.h2!.conditions.find((c) => c.reason === 'UnreadableDesiredRecord');
  assert.ok(cond);
  assert.is(cond!.type, 'Invalid');
  assert.match(cond!.message, `FLEETNET_DESIRED seq ${bad.seq} on fleetnet.desired.h2`);
  assert.match(cond!.message, 'the next version is published over it');
  assert.is(cond!.since, new Date(T0 + 2000).toISOString());
  msgs.push(desired('h2', 2, T0 + 3000));
  st = run(msgs);
  cond = st.views.hosts.h2!.conditions.find((c) => c.reason === 'UnreadableDesiredRecord');
  assert.match(cond!.message, 'version 2 was published over it');
  msgs.push(syncOf('h2', 2, T0 + 4000));
  st = run(msgs);
  assert.not.ok(st.views.hosts.h2!.conditions.some((c) => c.reason === 'UnreadableDesiredRecord'));
  // a rebuild (desired first) ends in the same projection
  const byStream = (k: FoldInput['stream']) => msgs.filter((m) => m.stream === k);
  const rebuilt = run([...byStream('desired'), ...byStream('intent'), ...byStream('reports')]);
  assert.is(firstDifference(rebuilt, st), undefined);
});

test('refusal limiter: the first on a subject, then one per window saying how many were left out; a cap over all subjects', () => {
  const l = new RefusalLimiter({ windowMs: 1000, maxPerWindow: 3 });
  assert.equal(l.admit('a', 0), { skipped: 0 });
  assert.is(l.admit('a', 10), undefined);
  assert.is(l.admit('a', 20), undefined);
  assert.equal(l.admit('b', 30), { skipped: 0 });
  assert.equal(l.admit('c', 40), { skipped: 0 });
  assert.is(l.admit('d', 50), undefined, 'over the cap of 3 per window');
  assert.equal(l.admit('a', 1000), { skipped: 2 });
  assert.equal(l.admit('d', 1001), { skipped: 1 });
  assert.is(l.admit('a', 1500), undefined);
});

test.run();
