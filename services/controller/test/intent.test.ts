/** The one check of intent (projection/intent.ts), and the fold agreeing with it. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeEvent, EventTypes, makeEvent, subjects } from '@fleetnet/contracts';
import { firstDifference } from './first-difference.ts';
import { decode, type FoldInput } from '../src/projection/decode.ts';
import { checkIntent } from '../src/projection/intent.ts';
import { Projector } from '../src/projection/projector.ts';

const T0 = Date.parse('2026-11-30T00:00:00Z');
let seq = { intent: 0, desired: 0, reports: 0 };

function desired(host: string, version: number, storedMs: number): FoldInput {
  const s = subjects.desired(host);
  const data = encodeEvent(makeEvent(EventTypes.desiredPublished, 'c', s, {
    host, version, state: { interfaces: [{ name: 'eth0', mtu: 1500 + version }] }, contentHash: `h${version}`, sources: [],
  }, { time: new Date(storedMs) }));
  return { stream: 'desired', seq: ++seq.desired, subject: s, data, storedMs };
}

function rollback(host: string, toVersion: number, storedMs: number): FoldInput {
  const s = subjects.intentHost(host);
  const data = encodeEvent(makeEvent(EventTypes.hostRollbackRequested, 'op', s, { host, toVersion }, { time: new Date(storedMs) }));
  return { stream: 'intent', seq: ++seq.intent, subject: s, data, storedMs };
}

/** h1 with versions 1 and 2 (stored at T0+1 s and T0+2 s) and version 3 stored at T0+10 s. */
function world(): Projector {
  seq = { intent: 0, desired: 0, reports: 0 };
  const p = new Projector();
  p.apply(desired('h1', 1, T0 + 1000));
  p.apply(desired('h1', 2, T0 + 2000));
  p.apply(desired('h1', 3, T0 + 10_000));
  p.flush();
  return p;
}

test('rollback: a version the host had when the request was stored counts; any other is refused, naming the newest', () => {
  const s = world().state;
  const ok = checkIntent(s, decode(rollback('h1', 1, T0 + 5000)));
  assert.ok(ok.ok);
  const none = checkIntent(s, decode(rollback('h1', 9, T0 + 20_000)));
  assert.equal(none.ok ? undefined : none.reason, 'host "h1" has no desired version 9 (newest is 3)');
  // version 3 exists now, but was stored after the request: a rebuild (desired folded first) and the live
  // fold (the request folded before version 3 existed) must agree, so it does not count
  const later = checkIntent(s, decode(rollback('h1', 3, T0 + 5000)));
  assert.equal(later.ok ? undefined : later.reason, 'host "h1" has no desired version 3 (newest is 2)');
  const unknown = checkIntent(s, decode(rollback('h9', 1, T0 + 5000)));
  assert.equal(unknown.ok ? undefined : unknown.reason, 'host "h9" has no desired version 1 (newest is 0)');
});

test('the fold agrees with the check: a refused rollback changes nothing but the sequence; an accepted one pins', () => {
  const p = world();
  const before = structuredClone(p.state);
  const bad = rollback('h1', 9, T0 + 20_000);
  p.apply(bad);
  p.flush();
  assert.not.ok(p.verdicts.get(bad.seq)!.ok, 'the verdict the intake publishes is a rejection');
  assert.is(p.state.seq.intent, bad.seq);
  assert.is(firstDifference({ ...p.state, seq: before.seq }, before), undefined);
  assert.is(p.state.hosts.h1!.pin, undefined);
  const good = rollback('h1', 2, T0 + 20_000);
  p.apply(good);
  assert.ok(p.verdicts.get(good.seq)!.ok);
  assert.equal(p.state.hosts.h1!.pin?.toVersion, 2);
});

test('decode: one parse names the subject, the event or why it was refused', () => {
  const m = rollback('h1', 1, T0);
  const d = decode(m);
  assert.ok(d.ok && d.event.type === EventTypes.hostRollbackRequested && d.sub?.name === 'h1');
  const truncated = decode({ ...m, data: (m.data as Uint8Array).slice(0, 40) });
  assert.ok(!truncated.ok && /truncated/.test(truncated.reason));
  const forged = decode({ ...desired('h1', 4, T0), subject: subjects.desired('h2') });
  assert.ok(!forged.ok && /envelope subject/.test(forged.reason));
  const stranger = decode({ stream: 'intent', seq: 1, subject: subjects.intentRejected, data: '{}' });
  assert.ok(!stranger.ok && /is not one of/.test(stranger.reason));
});

test.run();
