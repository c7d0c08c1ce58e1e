/**
 * What a policy may declare and what one host's desired state may hold (issue 13 item 1), against
 * a real controller: a policy over a limit is refused by the CLI before anything is published, and
 * at intake when published by hand, each naming the limit; policies within their limits that add up
 * to more than one host may hold give that host no new version and a condition naming the limit.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { encodeEvent, EventTypes, makeEvent, STATE_LIMITS, subjects, type HostNetworkPolicy } from '@fleetnet/contracts';
import { runCli } from '../../cli/test/run-cli.ts';
import { waitFor } from '../support/ports.ts';
import { PLAYED, startHostileEnv, type HostileEnv } from './env.ts';
import { hostileCases, type HostileCase } from './harness.ts';

let env: HostileEnv;

const policy = (name: string, state: Record<string, unknown>, labels: Record<string, string> = { limits: 'yes' }): HostNetworkPolicy => ({
  apiVersion: 'fleetnet.io/v1', kind: 'HostNetworkPolicy', metadata: { name },
  spec: { hostSelector: { matchLabels: labels }, desiredState: state as never },
});
const bridges = (n: number, prefix = 'lb') => ({ interfaces: Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}`, type: 'linux-bridge', state: 'up' })) });
const routes = (n: number) => ({
  interfaces: [{ name: 'lr0', type: 'linux-bridge', state: 'up', ipv4: { enabled: true, address: [{ ip: '10.200.0.1', 'prefix-length': 16 }] } }],
  routes: { config: Array.from({ length: n }, (_, i) => ({ destination: `10.${100 + (i >> 8)}.${i & 255}.0/24`, 'next-hop-interface': 'lr0', 'next-hop-address': '10.200.0.2' })) },
});
const described = (bytes: number) => ({ description: 'x'.repeat(bytes), interfaces: [{ name: 'ld0', type: 'linux-bridge', state: 'up' }] });

const file = (name: string, p: HostNetworkPolicy) => {
  const f = join(env.tmp, name);
  mkdirSync(dirname(f), { recursive: true });
  writeFileSync(f, stringify(p));
  return f;
};
const cli = async (...args: string[]) => {
  const r = await runCli(args, { env: { FLEETNET_SERVER: env.natsUrl }, timeoutMs: 120_000 });
  return `exit ${r.code}\n${r.stderr}`;
};
const raw = (name: string, p: HostNetworkPolicy): HostileCase['send'] => async (e) =>
  (await e.publishRaw(subjects.intentPolicy(name), encodeEvent(makeEvent(EventTypes.policyUpserted, 'hostile-test', subjects.intentPolicy(name), { policy: p })))) ?? '';

const over = STATE_LIMITS.interfaces + 1;
const cases: HostileCase[] = [
  { name: `cli: a policy with ${over} interfaces`, send: () => cli('apply', '-f', file('many-ifaces.yaml', policy('lim-ifaces', bridges(over)))), expect: new RegExp(`^exit 2\\n[\\s\\S]*many-ifaces\\.yaml:\\d+:\\d+: spec\\.desiredState\\.interfaces: the desired state of a policy has ${over} interfaces, more than the limit of ${STATE_LIMITS.interfaces}`) },
  { name: `cli: a policy with ${STATE_LIMITS.routes + 1} routes`, send: () => cli('apply', '-f', file('many-routes.yaml', policy('lim-routes', routes(STATE_LIMITS.routes + 1)))), expect: new RegExp(`^exit 2\\n[\\s\\S]*many-routes\\.yaml:\\d+:\\d+: spec\\.desiredState\\.routes\\.config: .*more than the limit of ${STATE_LIMITS.routes}`) },
  { name: 'cli: a policy whose desired state is over 512 KiB', send: () => cli('apply', '-f', file('big-state.yaml', policy('lim-bytes', described(600_000)))), expect: /^exit 2\n[\s\S]*big-state\.yaml:\d+:\d+: spec\.desiredState: the desired state of a policy is \d+ bytes as JSON, more than the limit of 524288/ },
  { name: `cli: a policy with ${over} interfaces in a directory with a good one publishes nothing`, send: () => { file('lim-dir/a.yaml', policy('lim-good', bridges(1))); file('lim-dir/b.yaml', policy('lim-ifaces-2', bridges(over))); return cli('apply', '-f', join(env.tmp, 'lim-dir')); }, expect: /^exit 2\n[\s\S]*b\.yaml:[\s\S]*more than the limit of 4096[\s\S]*nothing was published/ },
  { name: `cli: plan of a policy with ${over} interfaces`, send: () => cli('plan', '-f', file('plan-ifaces.yaml', policy('lim-plan', bridges(over)))), expect: /^exit 2\n[\s\S]*more than the limit of 4096/ },
  { name: `intake: an upsert with ${over} interfaces`, send: raw('lim-raw', policy('lim-raw', bridges(over))), expect: { rejected: /policy "lim-raw" is invalid/ } },
  { name: `intake: an upsert with ${STATE_LIMITS.routes + 1} routes`, send: raw('lim-raw-r', policy('lim-raw-r', routes(STATE_LIMITS.routes + 1))), expect: { rejected: /invalid/ } },
  { name: 'intake: an upsert whose desired state is over 512 KiB', send: raw('lim-raw-b', policy('lim-raw-b', described(600_000))), expect: { rejected: /invalid/ } },
];

const t = suite('limits of a policy and of a host\'s desired state');
t.before(async () => {
  env = await startHostileEnv({ kernel: false });
});
t.after(async () => {
  await env?.stop();
});
hostileCases(t, () => env, cases);

t(`intake: the rejection of a policy over a limit names the limit and the field`, async () => {
  env.rejections.length = 0;
  const p = policy('lim-named', bridges(over));
  const ev = makeEvent(EventTypes.policyUpserted, 'hostile-test', subjects.intentPolicy('lim-named'), { policy: p });
  await env.client.js.publish(subjects.intentPolicy('lim-named'), encodeEvent(ev));
  const r = await waitFor(() => env.rejections.find((x) => x.eventId === ev.id), 15_000, 'the rejection', 50);
  const errors = (r as { errors?: { path: string; message: string }[] }).errors ?? [];
  assert.ok(errors.some((e) => /spec\.desiredState\.interfaces/.test(e.path) && new RegExp(`${over} interfaces, more than the limit of 4096`).test(e.message)), JSON.stringify(r));
});

t('two policies within their limits that add up to more than a host may hold: no new version, a condition naming the limit', async () => {
  await env.client.js.publish(subjects.intentHost(PLAYED), encodeEvent(makeEvent(EventTypes.hostLabeled, 'hostile-test', subjects.intentHost(PLAYED), { host: PLAYED, set: { sum: 'yes' } })));
  const half = Math.ceil(over / 2);
  const view = async () => (await env.client.request('hosts.get', { name: PLAYED })).host;
  // the first alone is within the limits: a version is published
  let r = await cli('apply', '-f', file('lim-sum-a.yaml', policy('lim-sum-a', bridges(half, 'sa'), { sum: 'yes' })));
  assert.match(r, /^exit 0/, r);
  const v = await waitFor(async () => ((await view()).desiredVersion > 0 ? (await view()).desiredVersion : undefined), 30_000, 'a version with the first policy', 100);
  r = await cli('apply', '-f', file('lim-sum-b.yaml', policy('lim-sum-b', bridges(half, 'sb'), { sum: 'yes' })));
  assert.match(r, /^exit 0/, r);
  const host = await waitFor(async () => {
    const h = (await env.client.request('hosts.get', { name: PLAYED })).host;
    return h.conditions.some((c) => c.reason === 'TooLarge') ? h : undefined;
  }, 30_000, 'a TooLarge condition', 100);
  const c = host.conditions.find((x) => x.reason === 'TooLarge')!;
  assert.match(c.message, new RegExp(`has ${2 * half} interfaces, more than the limit of ${STATE_LIMITS.interfaces}`));
  assert.is(host.desiredVersion, v, 'no new version was published for the host');
  await new Promise((res) => setTimeout(res, 1000));
  assert.is((await view()).desiredVersion, v, 'still none a second later');
});

t.run();
