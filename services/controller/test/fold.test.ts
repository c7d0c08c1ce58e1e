import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeEvent, EventTypes, makeEvent, subjects, type HostNetworkPolicy } from '@fleetnet/contracts';
import { firstDifference } from './first-difference.ts';
import { fold, type FoldInput } from '../src/projection/fold.ts';
import { Projector } from '../src/projection/projector.ts';
import { emptyProjection } from '../src/projection/state.ts';

const facts = { nics: [{ name: 'eth0' }], kernel: { release: '6', capabilities: { bond: false, vlan: false, dummy: false, macvlan: true, vxlan: true, ovs: true } } };
const pol = (name: string, mtu: number): HostNetworkPolicy => ({
  apiVersion: 'fleetnet.io/v1', kind: 'HostNetworkPolicy', metadata: { name },
  spec: { hostSelector: { matchLabels: { role: 'web' } }, desiredState: { interfaces: [{ name: 'eth0', mtu }] } },
});
let t = Date.parse('2026-11-22T00:00:00Z');
const time = () => new Date((t += 1000));

class Streams {
  seq = { intent: 0, desired: 0, reports: 0 };
  all: FoldInput[] = [];
  add(stream: FoldInput['stream'], subject: string, data: Uint8Array | string): FoldInput {
    const m = { stream, seq: ++this.seq[stream], subject, data, storedMs: t };
    this.all.push(m);
    return m;
  }
  upsert(p: HostNetworkPolicy) {
    const s = subjects.intentPolicy(p.metadata.name);
    return this.add('intent', s, encodeEvent(makeEvent(EventTypes.policyUpserted, 'test', s, { policy: p }, { time: time() })));
  }
  hello(host: string, labels: Record<string, string>) {
    const s = subjects.hello(host);
    return this.add('reports', s, encodeEvent(makeEvent(EventTypes.hello, 'a', s, { host, agentVersion: '1', labels, facts }, { time: time() })));
  }
  desired(host: string, version: number, mtu: number) {
    const s = subjects.desired(host);
    return this.add('desired', s, encodeEvent(makeEvent(EventTypes.desiredPublished, 'c', s, {
      host, version, state: { interfaces: [{ name: 'eth0', mtu }] }, contentHash: `h${mtu}`, sources: [{ policy: 'web', revision: version }],
    }, { time: time() })));
  }
  sync(host: string, version: number, phase: 'Applied' | 'Failed', opts: { id?: string; subjectHost?: string } = {}) {
    const s = subjects.sync(opts.subjectHost ?? host);
    return this.add('reports', s, encodeEvent(makeEvent(EventTypes.syncReported, 'a', s, { host, version, phase }, { time: time(), ...(opts.id ? { id: opts.id } : {}) })));
  }
}

const run = (msgs: FoldInput[]) => {
  const p = new Projector();
  for (const m of msgs) p.apply(m);
  p.flush();
  return p.state;
};

test('folding the same stream sequence twice changes nothing (same object)', () => {
  const s = new Streams();
  const m = s.upsert(pol('web', 1500));
  const once = fold(emptyProjection(), m).state;
  const twice = fold(once, m);
  assert.ok(twice.state === once);
  assert.equal(twice.touched.policies, []);
});

test('policy revisions: a new revision only when content changes; labels from intent win over the agent', () => {
  const s = new Streams();
  s.upsert(pol('web', 1500));
  s.upsert(pol('web', 1500));
  s.upsert(pol('web', 9000));
  s.hello('h1', { role: 'db' });
  const host = subjects.intentHost('h1');
  s.add('intent', host, encodeEvent(makeEvent(EventTypes.hostLabeled, 'op', host, { host: 'h1', set: { role: 'web' }, remove: ['zone'] }, { time: time() })));
  const st = run(s.all);
  assert.is(st.policies.web!.revision, 2);
  assert.equal(st.views.hosts.h1!.labels, { role: 'web' });
  assert.equal(st.views.policies.web!.matchedHosts, ['h1']);
});

test('forged or broken reports change nothing', () => {
  const s = new Streams();
  s.upsert(pol('web', 1500));
  s.hello('h1', { role: 'web' });
  s.hello('h2', { role: 'web' });
  s.desired('h1', 1, 1500);
  s.desired('h2', 1, 1500);
  s.sync('h1', 1, 'Applied', { id: 'first' });
  const base = run(s.all);
  const extra = [
    s.sync('h1', 5, 'Failed'), // never published
    s.add('reports', subjects.sync('h1'), '{"specversion":"1.0","id":"x","ty'), // truncated
    s.sync('h1', 1, 'Failed', { id: 'first' }), // replayed id
    s.sync('h2', 1, 'Failed', { subjectHost: 'h1' }), // h1's subject, h2's data
    s.add('reports', subjects.sync('h1'), encodeEvent(makeEvent(EventTypes.syncReported, 'a', subjects.sync('h2'), { host: 'h1', version: 1, phase: 'Failed' }))), // envelope subject differs
    s.add('reports', subjects.hello('h1'), encodeEvent(makeEvent(EventTypes.syncReported, 'a', subjects.hello('h1'), { host: 'h1', version: 1, phase: 'Failed' }))), // wrong type for subject
  ];
  for (const [i, m] of extra.entries()) {
    const one = new Projector(base);
    one.apply(m);
    one.flush();
    assert.is(firstDifference({ ...one.state, seq: base.seq }, base), undefined, `forged message ${i}`);
  }
  const p = new Projector(base);
  for (const m of extra) p.apply(m);
  p.flush();
  const { seq: s1, ...rest1 } = p.state;
  const { seq: s0, ...rest0 } = base;
  assert.is(firstDifference(rest1, rest0), undefined);
  assert.equal(rest1, rest0);
  assert.is(s1.reports, s0.reports + extra.length, "every message was folded (its sequence)");
});

test('a sync stored before its desired version does not count, in any fold order', () => {
  const s = new Streams();
  s.hello('h1', {});
  const early = s.sync('h1', 1, 'Applied');
  const d = s.desired('h1', 1, 1500);
  const late = s.sync('h1', 1, 'Failed');
  const live = run([s.all[0]!, early, d, late]);
  const rebuilt = run([d, s.all[0]!, early, late]);
  assert.is(firstDifference(live, rebuilt), undefined);
  assert.equal(live, rebuilt);
  assert.is(live.views.hosts.h1!.phase, 'Failed');
});

test('interleaving of the three streams does not change the result', () => {
  const s = new Streams();
  s.upsert(pol('web', 1500));
  s.hello('h1', { role: 'web' });
  s.desired('h1', 1, 1500);
  s.sync('h1', 1, 'Applied');
  s.upsert(pol('web', 9000));
  s.desired('h1', 2, 9000);
  s.sync('h1', 2, 'Failed');
  s.hello('h1', { role: 'web', zone: 'z' });
  const live = run(s.all);
  const byStream = (k: FoldInput['stream']) => s.all.filter((m) => m.stream === k);
  const rebuilt = run([...byStream('desired'), ...byStream('intent'), ...byStream('reports')]);
  assert.equal(rebuilt, live);
  assert.is(live.views.hosts.h1!.phase, 'Failed');
  assert.is(live.views.hosts.h1!.appliedVersion, 1);
  assert.is(live.views.rollouts.web!.state, 'Halted');
});

test('rollback pin lasts until the next policy change; a retired host leaves every policy until it says hello again', () => {
  const s = new Streams();
  s.upsert(pol('web', 1500));
  s.hello('h1', { role: 'web' });
  s.desired('h1', 1, 1500);
  s.desired('h1', 2, 9000);
  const hs = subjects.intentHost('h1');
  s.add('intent', hs, encodeEvent(makeEvent(EventTypes.hostRollbackRequested, 'op', hs, { host: 'h1', toVersion: 1 }, { time: time() })));
  let st = run(s.all);
  assert.equal(st.hosts.h1!.pin?.toVersion, 1);
  s.upsert(pol('web', 1400));
  st = run(s.all);
  assert.is(st.hosts.h1!.pin, undefined, 'a new policy revision lifts the pin');
  s.add('intent', hs, encodeEvent(makeEvent(EventTypes.hostRetired, 'op', hs, { host: 'h1' }, { time: time() })));
  st = run(s.all);
  assert.ok(st.views.hosts.h1!.retired);
  assert.equal(st.views.policies.web!.matchedHosts, []);
  s.hello('h1', { role: 'web' });
  st = run(s.all);
  assert.not.ok(st.views.hosts.h1!.retired);
  assert.equal(st.views.policies.web!.matchedHosts, ['h1']);
});

test.run();
