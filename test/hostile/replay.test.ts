/**
 * The replay rule (issue 13 item 5), against a real nats-server and controller process: old reports
 * and old intents stored again, at any age and with new event ids, change nothing. `played1` is
 * played by the test as an agent would be (every report stamped with its counter); the policy
 * `hostile-bridge` rolls out to it and completes before the cases run.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  encodeEvent, EventTypes, makeEvent, parseEvent, Streams, subjects,
  type EventType, type FleetEvent, type HostNetworkPolicy,
} from '@fleetnet/contracts';
import { jetstreamManager } from '@nats-io/jetstream';
import { runCli } from '../../cli/test/run-cli.ts';
import { waitFor } from '../support/ports.ts';
import { hostilePolicy, PLAYED, startHostileEnv, type HostileEnv } from './env.ts';
import { hostileCases, type HostileCase } from './harness.ts';

const POLICY = 'hostile-bridge';
const source = `fleetnet-agent/${PLAYED}`;
let env: HostileEnv;
let seq = 100;
/** reports and intents kept as sent, to be replayed */
const kept: Record<string, FleetEvent> = {};

const report = async (type: EventType, subject: string, data: Record<string, unknown>, keep?: string) => {
  const ev = makeEvent(type, source, subject, { host: PLAYED, ...data, seq: ++seq } as never);
  if (keep) kept[keep] = ev;
  const err = await env.publishRaw(subject, encodeEvent(ev));
  if (err) throw new Error(err);
  return ev;
};
const playedState = (mtu: number) => ({ interfaces: [{ name: 'eth0', type: 'ethernet', state: 'up', mtu }] });
const rollout = async () => (await env.client.request('rollouts.get', { policy: POLICY })).rollout;
const policyView = async () => (await env.client.request('policies.get', { name: POLICY })).policy;

/** The same event again: a new id (as a replay tool would give it) or the original, and a new stream sequence either way. */
const again = (ev: FleetEvent, newId: boolean, patch: (d: Record<string, unknown>) => Record<string, unknown> = (d) => d): string =>
  JSON.stringify({ ...ev, ...(newId ? { id: randomUUID() } : {}), data: patch(ev.data as Record<string, unknown>) });

const replayed = (name: string, keep: string, subject: () => string, newId: boolean, patch?: (d: Record<string, unknown>) => Record<string, unknown>): HostileCase => ({
  name,
  send: async (e) => (await e.publishRaw(subject(), again(kept[keep]!, newId, patch))) ?? '',
  expect: 'ignored',
});

const cases: HostileCase[] = [
  replayed('sync: the old Applying report, replayed with a new id after 40 newer reports', 'applying', () => subjects.sync(PLAYED), true),
  replayed('sync: the old Applying report, replayed with its own id', 'applying', () => subjects.sync(PLAYED), false),
  replayed('sync: the old Applied report with a new id and inSync false', 'applied', () => subjects.sync(PLAYED), true, (d) => ({ ...d, inSync: false, phase: 'Failed', error: { message: 'replayed' } })),
  replayed('state: an old state report (other MTU) with a new id', 'state-old', () => subjects.state(PLAYED), true),
  replayed('state: the newest state report with a new id and another MTU, same counter', 'state-new', () => subjects.state(PLAYED), true, (d) => ({ ...d, state: playedState(1234) })),
  replayed('state: a state report without a counter from a host that stamps its reports', 'state-new', () => subjects.state(PLAYED), true, ({ seq: _s, ...d }) => ({ ...d, state: playedState(1235) })),
  replayed('hello: the first hello with other labels and a new id', 'hello', () => subjects.hello(PLAYED), true, (d) => ({ ...d, labels: { hostile: 'no' } })),
  replayed('hello: the first hello replayed as it was', 'hello', () => subjects.hello(PLAYED), false),
  replayed('sync: an Applying report with a counter one below the newest', 'applying', () => subjects.sync(PLAYED), true, (d) => ({ ...d, seq: seq - 1 })),
  {
    name: 'state: a report counter of 0 is refused by the contracts',
    async send(e) {
      const text = again(kept['state-new']!, true, (d) => ({ ...d, seq: 0 }));
      await e.publishRaw(subjects.state(PLAYED), text);
      const p = parseEvent(text);
      return p.ok ? 'accepted' : p.error.message;
    },
    expect: /seq/,
  },
  {
    name: 'sync: a report counter that is a string is refused by the contracts',
    async send(e) {
      const text = again(kept.applying!, true, (d) => ({ ...d, seq: `${seq + 10}` }));
      await e.publishRaw(subjects.sync(PLAYED), text);
      const p = parseEvent(text);
      return p.ok ? 'accepted' : p.error.message;
    },
    expect: /seq/,
  },
  replayed('intent.policy: the revision-2 upsert replayed with its own id after 34 other intents on the policy', 'upsert2', () => subjects.intentPolicy(POLICY), false),
  replayed('intent.policy: the revision-1 upsert (no revision stated) replayed with its own id', 'upsert1', () => subjects.intentPolicy(POLICY), false),
  {
    name: 'intent.policy: the revision-2 upsert replayed with a new id: its stated revision is stale (CONFLICT)',
    send: async (e) => (await e.publishRaw(subjects.intentPolicy(POLICY), again(kept.upsert2!, true, (d) => ({ ...d, policy: hostilePolicy(POLICY, 1310) })))) ?? '',
    expect: { rejected: /^CONFLICT: policy "hostile-bridge" is at revision 3, this upsert replaces revision 1/ },
  },
  {
    name: 'intent.policy: an upsert stating a revision the policy never had (CONFLICT)',
    send: async (e) => (await e.publishRaw(subjects.intentPolicy(POLICY), again(kept.upsert2!, true, (d) => ({ ...d, replaces: 99, policy: hostilePolicy(POLICY, 1311) })))) ?? '',
    expect: { rejected: /^CONFLICT: .*replaces revision 99.*fleetnet get policy hostile-bridge.*--force/ },
  },
  {
    name: 'intent.policy: an upsert that means to create a policy that exists (replaces 0: CONFLICT)',
    send: async (e) => (await e.publishRaw(subjects.intentPolicy(POLICY), again(kept.upsert2!, true, (d) => ({ ...d, replaces: 0, policy: hostilePolicy(POLICY, 1312) })))) ?? '',
    expect: { rejected: /^CONFLICT: .*replaces revision 0/ },
  },
  {
    name: 'intent.policy: an upsert stating a negative revision',
    send: async (e) => (await e.publishRaw(subjects.intentPolicy(POLICY), again(kept.upsert2!, true, (d) => ({ ...d, replaces: -1 })))) ?? '',
    expect: { rejected: /replaces/ },
  },
  replayed('intent.policy: a pause replayed with its own id long after the resume that followed it', 'pause', () => subjects.intentPolicy(POLICY), false),
];

const t = suite('the replay rule (issue 13 item 5)');
t.before(async () => {
  env = await startHostileEnv({ kernel: false });
  const intent = async (subject: string, type: EventType, data: unknown, keep?: string) => {
    const ev = makeEvent(type, 'hostile-test', subject, data as never);
    if (keep) kept[keep] = ev;
    await env.client.js.publish(subject, encodeEvent(ev));
  };
  // played1 speaks as an agent: hello and state stamped, then it joins the policy's hosts
  await report(EventTypes.hello, subjects.hello(PLAYED), { agentVersion: 'replay-test', labels: { role: 'played' }, facts: { nics: [], kernel: { release: '6.1', capabilities: {} } } }, 'hello');
  await report(EventTypes.stateReported, subjects.state(PLAYED), { state: playedState(1400) }, 'state-old');
  const jsm = await jetstreamManager(env.client.nc);
  const upsert1 = parseEvent((await jsm.streams.getMessage(Streams.intent, { last_by_subj: subjects.intentPolicy(POLICY) }))!.data);
  assert.ok(upsert1.ok);
  kept.upsert1 = upsert1.event;
  await intent(subjects.intentPolicy(POLICY), EventTypes.policyUpserted, { policy: hostilePolicy(POLICY, 1301), replaces: 1 }, 'upsert2');
  await waitFor(async () => (await policyView()).revision === 2, 15_000, 'revision 2', 50);
  // 34 other intents on the same policy (more than the 32 recent ids a policy remembers)
  for (let i = 0; i < 17; i++) {
    await intent(subjects.intentPolicy(POLICY), EventTypes.rolloutPaused, { policy: POLICY }, i === 0 ? 'pause' : undefined);
    await intent(subjects.intentPolicy(POLICY), EventTypes.rolloutResumed, { policy: POLICY });
  }
  await intent(subjects.intentPolicy(POLICY), EventTypes.policyUpserted, { policy: hostilePolicy(POLICY, 1302), replaces: 2 });
  await intent(subjects.intentHost(PLAYED), EventTypes.hostLabeled, { host: PLAYED, set: { hostile: 'yes' } });
  const desired = await waitFor(async () => {
    const h = (await env.client.request('hosts.get', { name: PLAYED })).host;
    return h.desiredVersion > 0 ? h.desiredVersion : undefined;
  }, 15_000, 'a desired version for played1', 50);
  await report(EventTypes.syncReported, subjects.sync(PLAYED), { version: desired, phase: 'Applying', attempt: 1 }, 'applying');
  await report(EventTypes.syncReported, subjects.sync(PLAYED), { version: desired, phase: 'Applied', inSync: true, results: [] }, 'applied');
  for (let i = 0; i < 40; i++) await report(EventTypes.stateReported, subjects.state(PLAYED), { state: playedState(1500 + (i % 2)), appliedVersion: desired }, 'state-new');
  await waitFor(async () => (await rollout()).state === 'Complete' && (await policyView()).revision === 3, 15_000, 'the rollout completes', 50);
  await env.settle();
});
t.after(async () => {
  await env?.stop();
});
hostileCases(t, () => env, cases);

t('after the replays: the rollout is still Complete and the policy at revision 3', async () => {
  assert.is((await rollout()).state, 'Complete');
  const p = await policyView();
  assert.is(p.revision, 3);
});

const policyFile = (mtu: number) => {
  const f = join(env.tmp, `replay-${mtu}.yaml`);
  writeFileSync(f, stringify(hostilePolicy('concurrent', mtu)));
  return f;
};
const cli = (...args: string[]) => runCli(args, { env: { FLEETNET_SERVER: env.natsUrl }, timeoutMs: 60_000 });

const mtuOf = async () => ((await env.client.request('policies.get', { name: 'concurrent' })).policy.policy.spec.desiredState as { interfaces: { mtu: number }[] }).interfaces[0]!.mtu;

t('fleetnet apply: two at once on one policy: one wins, the other is told of the conflict (exit 7)', async () => {
  const first = await cli('apply', '-f', policyFile(1320));
  assert.is(first.code, 0, first.stderr);
  // both read the same revision before either publishes: run pairs together until two collide
  for (let i = 0; i < 10; i++) {
    const mtus = [1330 + i, 1345 + i];
    const results = await Promise.all(mtus.map((m) => cli('apply', '-f', policyFile(m))));
    for (const r of results) assert.ok(r.code === 0 || r.code === 7, `exit 0 or 7: ${r.code} ${r.stderr}`);
    const lost = results.findIndex((r) => r.code === 7);
    if (lost < 0) {
      // they did not overlap this time: both applied one after the other, and one of them holds
      assert.ok(mtus.includes(await mtuOf()), 'the policy holds one of the two contents');
      continue;
    }
    const won = 1 - lost;
    assert.is(results[won]!.code, 0, results[won]!.stderr);
    assert.match(results[lost]!.stderr, /CONFLICT: policy "concurrent" is at revision \d+, this upsert replaces revision \d+.*read it again.*--force/s);
    assert.is(await mtuOf(), mtus[won], 'the policy holds the winner\'s content');
    const forced = await cli('apply', '-f', policyFile(mtus[lost]!), '--force');
    assert.is(forced.code, 0, forced.stderr);
    await waitFor(async () => (await mtuOf()) === mtus[lost], 10_000, 'the forced content', 50);
    return;
  }
  // No pair overlapped on this machine this time: the conflict itself is asserted deterministically
  // by the stale-read test below; here every pair kept the policy whole.
  console.log('SKIP-NOTE: no two applies overlapped in ten tries (the stale-read test covers the conflict)');
});

t('fleetnet apply: a stale read is refused; --force replaces whatever is there', async () => {
  const before = (await env.client.request('policies.get', { name: 'concurrent' })).policy.revision;
  // someone else changes it between our read and our publish: simulated by stating the old revision
  const stale = makeEvent(EventTypes.policyUpserted, 'fleetnet-cli', subjects.intentPolicy('concurrent'), { policy: hostilePolicy('concurrent', 1400) as HostNetworkPolicy, replaces: before - 1 });
  await env.client.js.publish(subjects.intentPolicy('concurrent'), encodeEvent(stale));
  await waitFor(() => env.rejections.some((r) => r.eventId === stale.id && r.reason.startsWith('CONFLICT')), 10_000, 'a conflict', 50);
  assert.is((await env.client.request('policies.get', { name: 'concurrent' })).policy.revision, before);
});

t.run();
