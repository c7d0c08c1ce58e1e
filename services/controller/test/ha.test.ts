/**
 * Groups 4 and 5: two controllers at once never fork a host's versions; a controller killed with
 * SIGKILL mid-rollout and started again resumes with no version lost or repeated.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalJson } from '@fleetnet/contracts';
import {
  agents, api, client, controller, desiredOf, hello, policy, sleep, spawnController, startNats, upsertPolicy, waitFor,
  type Client, type NatsServer,
} from './support.ts';
import { ensureStreams } from '../src/streams.ts';

let nats: NatsServer;
let c: Client;

test.before(async () => {
  nats = await startNats();
  c = await client(nats.url);
});
test.after(async () => {
  await c?.close();
  await nats?.stop();
});

/** Versions 1..N in stream order, no duplicate number, no gap, and no version repeating its predecessor. */
async function assertLinear(hosts: string[]) {
  for (const h of hosts) {
    const vs = await desiredOf(c, h);
    assert.equal(vs.map((v) => v.data.version), vs.map((_, i) => i + 1), `${h}: versions are 1..${vs.length}`);
    for (let i = 1; i < vs.length; i++) {
      const same = vs[i]!.data.contentHash === vs[i - 1]!.data.contentHash && canonicalJson(vs[i]!.data.sources) === canonicalJson(vs[i - 1]!.data.sources);
      assert.not.ok(same, `${h}: version ${i + 1} repeats version ${i}`);
    }
  }
}

test('two controllers at once: streams set up once, every host gets versions 1, 2, 3… with no duplicate or gap', async () => {
  const bots = agents(c, () => 'Applied', 5);
  const one = await controller(nats.url, { name: 'ctl-one' });
  const two = await controller(nats.url, { name: 'ctl-two' });
  const again = await ensureStreams(one.bus, 1);
  assert.equal(again, { created: [], updated: [] }, 'a further start changes nothing');
  const hosts = Array.from({ length: 12 }, (_, i) => `d${i}`);
  for (const h of hosts) await hello(c, h, { pool: 'dual' });
  for (let rev = 1; rev <= 5; rev++) {
    await upsertPolicy(c, policy('dual', { hostSelector: { matchLabels: { pool: 'dual' } }, rollout: { maxUnavailable: '50%' }, desiredState: { interfaces: [{ name: 'eth0', mtu: 1500 + rev }] } }));
    await sleep(40);
  }
  await waitFor(async () => {
    const r = (await api(c, 'rollouts.get', { policy: 'dual' })).rollout;
    return r?.revision === 5 && r.state === 'Complete';
  }, 30_000, 'revision 5 complete');
  await one.settled();
  await two.settled();
  await assertLinear(hosts);
  for (const h of hosts) {
    const last = (await desiredOf(c, h)).at(-1)!;
    assert.equal(last.data.sources, [{ policy: 'dual', revision: 5 }], `${h} ends on revision 5`);
  }
  assert.equal(one.projection.state.views.rollouts, two.projection.state.views.rollouts, 'both controllers see the same rollouts');
  bots.stop();
  await one.stop();
  await two.stop();
});

test('controller SIGKILLed mid-rollout and restarted: it resumes, no version lost or repeated', async () => {
  const bots = agents(c, () => 'Applied', 120);
  const hosts = Array.from({ length: 10 }, (_, i) => `r${i}`);
  let ctl = await spawnController(nats.url, ['--log-level', 'warn']);
  for (const h of hosts) await hello(c, h, { pool: 'kill' });
  await upsertPolicy(c, policy('kill-a', { hostSelector: { matchLabels: { pool: 'kill' } }, rollout: { maxUnavailable: 10 }, desiredState: { interfaces: [{ name: 'eth0', mtu: 1500 }] } }));
  await waitFor(async () => (await api(c, 'rollouts.get', { policy: 'kill-a' })).rollout?.state === 'Complete', 30_000, 'first rollout');
  await upsertPolicy(c, policy('kill-a', { hostSelector: { matchLabels: { pool: 'kill' } }, rollout: { maxUnavailable: 2 }, desiredState: { interfaces: [{ name: 'eth0', mtu: 9000 }] } }));
  await waitFor(async () => {
    const r = (await api(c, 'rollouts.get', { policy: 'kill-a' })).rollout;
    return r?.revision === 2 && r.counts.succeeded >= 3 ? r : undefined;
  }, 30_000, 'second rollout under way');
  await ctl.kill('SIGKILL');
  const atKill = await Promise.all(hosts.map(async (h) => (await desiredOf(c, h)).length));
  assert.ok(atKill.some((n) => n === 1), 'some hosts had not started when the controller died');
  await sleep(300);
  ctl = await spawnController(nats.url, ['--log-level', 'warn']);
  await waitFor(async () => {
    const r = (await api(c, 'rollouts.get', { policy: 'kill-a' })).rollout;
    return r?.revision === 2 && r.state === 'Complete';
  }, 30_000, 'rollout completes after restart');
  await sleep(300);
  await assertLinear(hosts);
  for (const h of hosts) {
    const vs = await desiredOf(c, h);
    assert.is(vs.length, 2, `${h}: exactly one version per revision`);
    assert.equal(vs[1]!.data.sources, [{ policy: 'kill-a', revision: 2 }]);
  }
  // Stops cleanly on SIGTERM too.
  await ctl.kill('SIGTERM');
  assert.ok(ctl.child.signalCode === 'SIGTERM' || ctl.child.exitCode === 0, `exit ${ctl.child.exitCode} ${ctl.child.signalCode}`);
  assert.not.match(ctl.output(), /"level":(50|60)/, 'no error logged');
  bots.stop();
});

test.run();
