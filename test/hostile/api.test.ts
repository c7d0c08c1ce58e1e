/**
 * Hostile requests to the controller's API (fleetnet.api.<method>): bodies that are not JSON, too
 * deep, of the wrong type, with unknown fields, bad names, bad paging tokens and selectors no label
 * could match. Each gets a clear error reply, nothing changes, and the API keeps answering.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeEvent, EventTypes, makeEvent, subjects } from '@fleetnet/contracts';
import { hostilePolicy, PLAYED, startHostileEnv, type HostileEnv } from './env.ts';
import { hostileCases, type HostileCase } from './harness.ts';

const DEEP = `${'['.repeat(5000)}1${']'.repeat(5000)}`;

/** A raw request; the reply as `CODE: message` (or the transport's error). */
async function call(env: HostileEnv, method: string, body: string | Uint8Array): Promise<string> {
  try {
    const m = await env.client.nc.request(`fleetnet.api.${method}`, body, { timeout: 10_000 });
    const r = m.json() as { error?: { code: string; message: string; details?: { path: string; message: string }[] } };
    if (!r.error) return `OK ${JSON.stringify(r).slice(0, 200)}`;
    return `${r.error.code}: ${r.error.message}${(r.error.details ?? []).map((d) => ` [${d.path}: ${d.message}]`).join('')}`;
  } catch (e) {
    return `request failed: ${(e as Error).message}`;
  }
}

type Row = [method: string, body: string | Uint8Array | (() => string), expect: RegExp];
const json = (v: unknown) => JSON.stringify(v);
const policy = hostilePolicy('api-plan');

const rows: [string, ...Row][] = [
  ['hosts.list: a body that is not JSON', 'hosts.list', '{"limit":', /^BAD_REQUEST: .*not JSON/],
  ['hosts.list: binary garbage', 'hosts.list', new Uint8Array([0xff, 0x00, 0xfe]), /^BAD_REQUEST: .*not JSON/],
  ['hosts.list: a body nested 5,000 deep', 'hosts.list', `{"selector":${DEEP}}`, /^BAD_REQUEST: .*nested more than 64 levels/],
  ['hosts.list: a body with a list of 60,000 entries', 'hosts.list', `{"x":[${'0,'.repeat(60000)}0]}`, /^BAD_REQUEST: .*more than 50000 entries/],
  ['hosts.list: a JSON list as body', 'hosts.list', '[]', /^BAD_REQUEST: invalid hosts.list request/],
  ['hosts.list: a JSON string as body', 'hosts.list', '"all"', /^BAD_REQUEST: invalid hosts.list request/],
  ['hosts.list: an unknown field', 'hosts.list', json({ bogus: 1 }), /^BAD_REQUEST: .*bogus/],
  ['hosts.list: limit 0', 'hosts.list', json({ limit: 0 }), /^BAD_REQUEST: .*limit/],
  ['hosts.list: limit 10001', 'hosts.list', json({ limit: 10001 }), /^BAD_REQUEST: .*limit/],
  ['hosts.list: limit as text', 'hosts.list', json({ limit: 'ten' }), /^BAD_REQUEST: .*limit/],
  ['hosts.list: a fractional limit', 'hosts.list', json({ limit: 1.5 }), /^BAD_REQUEST: .*limit/],
  ['hosts.list: a continue token it never issued', 'hosts.list', json({ continue: 'garbage' }), /^BAD_REQUEST: invalid continue token/],
  ['hosts.list: an empty continue token', 'hosts.list', json({ continue: '' }), /^BAD_REQUEST: .*continue/],
  ['hosts.list: a 2,000-character continue token', 'hosts.list', json({ continue: 'x'.repeat(2000) }), /^BAD_REQUEST: .*continue/],
  ['hosts.list: a continue token naming a number', 'hosts.list', json({ continue: Buffer.from('{"after":5}').toString('base64url') }), /^BAD_REQUEST: invalid continue token/],
  ['hosts.list: an unbalanced selector', 'hosts.list', json({ selector: 'zone in (a' }), /^BAD_REQUEST: unbalanced/],
  ['hosts.list: a label value of 64 characters (item 10a)', 'hosts.list', json({ selector: `rack=${'x'.repeat(64)}` }), /^BAD_REQUEST: .*63 characters/],
  ['hosts.list: a label value starting with "-"', 'hosts.list', json({ selector: 'rack=-r1' }), /^BAD_REQUEST: .*not valid/],
  ['hosts.list: a label key of 70 characters', 'hosts.list', json({ selector: `${'k'.repeat(70)}=1` }), /^BAD_REQUEST: .*invalid key|BAD_REQUEST: .*key/],
  ['hosts.list: an unknown phase', 'hosts.list', json({ phase: 'Sleeping' }), /^BAD_REQUEST: unknown phase "Sleeping"/],
  ['hosts.get: no name', 'hosts.get', json({}), /^BAD_REQUEST: .*name/],
  ['hosts.get: a name with a slash', 'hosts.get', json({ name: '../etc' }), /^BAD_REQUEST: .*name/],
  ['hosts.get: a name of 300 characters', 'hosts.get', json({ name: 'h'.repeat(300) }), /^BAD_REQUEST: .*name/],
  ['hosts.get: a host nobody knows', 'hosts.get', json({ name: 'nobody' }), /^NOT_FOUND: host "nobody" is not known/],
  ['hosts.history: a name that is a number', 'hosts.history', json({ name: 42 }), /^BAD_REQUEST: .*name/],
  ['hosts.desired: version 0', 'hosts.desired', json({ name: PLAYED, version: 0 }), /^BAD_REQUEST: .*version/],
  ['hosts.desired: a version never published', 'hosts.desired', json({ name: PLAYED, version: 5 }), /^NOT_FOUND: /],
  ['hosts.rollback: toVersion -1', 'hosts.rollback', json({ name: PLAYED, toVersion: -1 }), /^BAD_REQUEST: .*toVersion/],
  ['hosts.rollback: an unknown host', 'hosts.rollback', json({ name: 'nobody', toVersion: 1 }), /^NOT_FOUND: /],
  ['hosts.rollback: a version the host never had', 'hosts.rollback', json({ name: PLAYED, toVersion: 7 }), /^NOT_FOUND: .*no desired version 7/],
  ['policies.list: a bad continue token', 'policies.list', json({ continue: '!!!' }), /^BAD_REQUEST: invalid continue token/],
  ['policies.list: a selector of 64-character value', 'policies.list', json({ selector: `team=${'t'.repeat(64)}` }), /^BAD_REQUEST: .*63 characters/],
  ['policies.get: an empty name', 'policies.get', json({ name: '' }), /^BAD_REQUEST: .*name/],
  ['policies.get: a policy nobody made', 'policies.get', json({ name: 'nope' }), /^NOT_FOUND: policy "nope" is not known/],
  ['rollouts.list: limit -1', 'rollouts.list', json({ limit: -1 }), /^BAD_REQUEST: .*limit/],
  ['rollouts.list: an unknown field', 'rollouts.list', json({ offset: 3 }), /^BAD_REQUEST: .*offset/],
  ['rollouts.get: a rollout nobody made', 'rollouts.get', json({ policy: 'nope' }), /^NOT_FOUND: no rollout for policy "nope"/],
  ['rollouts.pause: a rollout nobody made', 'rollouts.pause', json({ policy: 'nope' }), /^NOT_FOUND: /],
  ['rollouts.resume: a name with a slash', 'rollouts.resume', json({ policy: 'a/b' }), /^BAD_REQUEST: .*policy/],
  ['plan: an empty policy', 'plan', json({ policy: {} }), /^BAD_REQUEST: .*policy/],
  ['plan: a policy with MTU 70000', 'plan', json({ policy: hostilePolicy('api-plan', 70000) }), /^BAD_REQUEST: .*mtu/i],
  ['plan: a policy nested 5,000 deep', 'plan', () => json({ policy: { ...policy, spec: { ...policy.spec, desiredState: '__DEEP__' } } }).replace('"__DEEP__"', DEEP), /^BAD_REQUEST: .*nested more than 64 levels/],
  ['plan: more bytes than max_payload', 'plan', () => json({ policy: { ...policy, metadata: { name: 'api-plan', annotations: { pad: 'x'.repeat(1_100_000) } } } }), /max.?payload|MAX_PAYLOAD/i],
  ['an unknown method', 'nope', json({}), /^NOT_FOUND: unknown API method "nope"/],
  ['a method that does not exist under hosts', 'hosts.delete', json({ name: PLAYED }), /^NOT_FOUND: unknown API method "hosts.delete"/],
];

const cases: HostileCase[] = rows.map(([name, method, body, expect]) => ({
  name,
  send: (env) => call(env, method, typeof body === 'function' ? body() : body),
  expect,
}));

const t = suite('hostile requests to the API');
let env: HostileEnv;
t.before(async () => {
  env = await startHostileEnv({ kernel: false });
});
t.after(async () => {
  await env?.stop();
});
hostileCases(t, () => env, cases);

// The harness must be able to fail: a valid change (last, as it changes the played host) is seen.
t('the harness sees a real change: a valid label intent changes the projection and the intent stream', async () => {
  env.touched.clear();
  const before = await env.observe();
  const ev = makeEvent(EventTypes.hostLabeled, 'hostile-test', subjects.intentHost(PLAYED), { host: PLAYED, set: { seen: 'yes' } });
  await env.client.js.publish(subjects.intentHost(PLAYED), encodeEvent(ev));
  await env.settle();
  const after = await env.observe();
  assert.not.equal(after.projection, before.projection);
  assert.not.equal(after.streams, before.streams);
});
t.run();
