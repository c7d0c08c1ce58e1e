/**
 * Hostile input on every bus subject: truncated, oversized, deep, wrong-type and forged events on
 * the report, intent and desired subjects and on heartbeats, against a real controller and a real
 * host (namespace, OVS, agent). Nothing may change: projection, streams, kernel, processes.
 */
import { suite } from 'uvu';
import {
  encodeEvent, EventTypes, makeEvent, parseEvent, subjects,
  type EventType, type FleetEvent,
} from '@fleetnet/contracts';
import { ovsAvailable } from '../support/ovs.ts';
import { waitFor } from '../support/ports.ts';
import { startHostileEnv, hostilePolicy, PLAYED, REAL, type HostileEnv } from './env.ts';
import { hostileCases, type HostileCase } from './harness.ts';

const why = process.getuid?.() !== 0 ? 'needs root (network namespaces)' : ovsAvailable();

interface Target {
  subject: string;
  type: EventType;
  data: Record<string, unknown>;
  /** intents are answered with a rejection event; reports and desired states are refused where they are read */
  intent: boolean;
  /** a field to make invalid (a name that would become a subject token) */
  nameField: (d: Record<string, unknown>) => Record<string, unknown>;
}

const state = { interfaces: [{ name: 'eth0', type: 'ethernet', state: 'up', mtu: 1500 }] };
const targets: Record<string, Target> = {
  hello: {
    subject: subjects.hello(PLAYED), type: EventTypes.hello, intent: false,
    data: { host: PLAYED, agentVersion: 'x', labels: {}, facts: { nics: [], kernel: { release: '6.1', capabilities: {} } } },
    nameField: (d) => ({ ...d, host: '../etc' }),
  },
  state: {
    subject: subjects.state(PLAYED), type: EventTypes.stateReported, intent: false,
    data: { host: PLAYED, state }, nameField: (d) => ({ ...d, host: 'a b' }),
  },
  sync: {
    subject: subjects.sync(PLAYED), type: EventTypes.syncReported, intent: false,
    data: { host: PLAYED, version: 1, phase: 'Applied', inSync: true, results: [] }, nameField: (d) => ({ ...d, host: 'x.y' }),
  },
  'intent.policy': {
    subject: subjects.intentPolicy('hostile-bridge'), type: EventTypes.policyUpserted, intent: true,
    data: { policy: hostilePolicy('hostile-bridge', 1300) },
    nameField: (d) => ({ policy: { ...(d.policy as object), metadata: { name: 'bad name!' } } }),
  },
  'intent.host': {
    subject: subjects.intentHost(PLAYED), type: EventTypes.hostLabeled, intent: true,
    data: { host: PLAYED, set: { zone: 'z1' } }, nameField: (d) => ({ ...d, host: '*' }),
  },
  desired: {
    subject: subjects.desired(REAL), type: EventTypes.desiredPublished, intent: false,
    data: { host: REAL, version: 99, state: { interfaces: [{ name: 'br-hostile', type: 'linux-bridge', state: 'absent' }] }, contentHash: 'x', sources: [] },
    nameField: (d) => ({ ...d, host: '' }),
  },
};

const DEEP = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
const MANY = `[${'1,'.repeat(60_000)}1]`;

/** An event as JSON text, with `extra` text spliced in place of the marker (deep or huge values). */
function eventText(t: Target, mutate: (e: Record<string, unknown>) => Record<string, unknown> = (e) => e, splice?: string): string {
  const ev = makeEvent(t.type, 'hostile-test', t.subject, t.data as never) as unknown as Record<string, unknown>;
  const text = JSON.stringify(mutate(ev));
  return splice === undefined ? text : text.replace('"__SPLICE__"', splice);
}

interface Variant {
  name: string;
  bytes: (t: Target) => Uint8Array | string;
  /** what the boundary says: parseEvent's refusal (and the controller's rejection reason for intents) */
  says: RegExp;
  /** over max_payload: the publish itself is refused */
  publishFails?: boolean;
}

const variants: Variant[] = [
  { name: 'an empty payload', bytes: () => '', says: /not complete JSON/ },
  { name: 'an event cut in half', bytes: (t) => { const s = eventText(t); return s.slice(0, s.length >> 1); }, says: /not complete JSON.*truncated/ },
  { name: 'an event missing its last byte', bytes: (t) => eventText(t).slice(0, -1), says: /not complete JSON/ },
  { name: 'binary garbage', bytes: () => new Uint8Array([0xff, 0xfe, 0x00, 0x01, 0x7b, 0x80]), says: /not complete JSON/ },
  { name: 'a JSON list', bytes: () => '[1,2,3]', says: /not a CloudEvents 1.0 envelope/ },
  { name: 'a JSON string', bytes: () => '"hello"', says: /not a CloudEvents 1.0 envelope/ },
  { name: 'JSON null', bytes: () => 'null', says: /not a CloudEvents 1.0 envelope/ },
  { name: 'an envelope without id', bytes: (t) => eventText(t, ({ id: _id, ...e }) => e), says: /not a CloudEvents 1.0 envelope.*id/ },
  { name: 'specversion 0.3', bytes: (t) => eventText(t, (e) => ({ ...e, specversion: '0.3' })), says: /not a CloudEvents 1.0 envelope.*specversion/ },
  { name: 'a time that is not RFC 3339', bytes: (t) => eventText(t, (e) => ({ ...e, time: 'yesterday' })), says: /not a CloudEvents 1.0 envelope.*time/ },
  { name: 'an unknown event type', bytes: (t) => eventText(t, (e) => ({ ...e, type: 'fleetnet.bogus.v1' })), says: /unknown event type "fleetnet.bogus.v1"/ },
  { name: 'no data', bytes: (t) => eventText(t, ({ data: _d, ...e }) => e), says: /no data|invalid data|data: is required/ },
  { name: 'data that is a string', bytes: (t) => eventText(t, (e) => ({ ...e, data: 'x' })), says: /invalid data for/ },
  { name: 'an unknown field in data', bytes: (t) => eventText(t, (e) => ({ ...e, data: { ...(e.data as object), sneaky: 1 } })), says: /invalid data for.*sneaky/ },
  { name: 'an invalid name in data', bytes: (t) => eventText(t, (e) => ({ ...e, data: t.nameField(e.data as Record<string, unknown>) })), says: /invalid data for/ },
  { name: 'a value nested 5,000 levels deep', bytes: (t) => eventText(t, (e) => ({ ...e, data: { ...(e.data as object), deep: '__SPLICE__' } }), DEEP), says: /nested more than 64 levels/ },
  { name: 'a list of 60,000 entries', bytes: (t) => eventText(t, (e) => ({ ...e, data: { ...(e.data as object), many: '__SPLICE__' } }), MANY), says: /more than 50000 entries/ },
  { name: 'more bytes than max_payload', bytes: (t) => eventText(t, (e) => ({ ...e, data: { ...(e.data as object), pad: 'x'.repeat(1_100_000) } })), says: /max.?payload/i, publishFails: true },
];

/** Another subject's event type on this subject: valid as an event, refused as the wrong kind. */
const otherType = (t: Target): EventType => (t.type === EventTypes.heartbeat || t.intent ? EventTypes.syncReported : EventTypes.policyDeleted);

/**
 * An unreadable record on a host's desired subject is answered by the controller publishing the
 * next version over it (issue 13 item 4): the host's projection and its desired subject change by
 * design, its kernel must not, and the host converges again before the next case.
 */
async function garbageOnDesired(env: HostileEnv, bytes: Uint8Array | string): Promise<string> {
  const version = async () => (await env.client.request('hosts.get', { name: REAL })).host;
  const before = (await version()).desiredVersion;
  const err = await env.publishRaw(subjects.desired(REAL), bytes);
  if (err) throw new Error(`publish failed: ${err}`);
  const seen = new Set<string>();
  await waitFor(async () => {
    const v = await version();
    for (const c of v.conditions) if (c.type === 'Invalid') seen.add(c.message);
    return v.desiredVersion > before && v.appliedVersion === v.desiredVersion && v.phase === 'Applied' && v.inSync === true;
  }, 60_000, `${REAL} gets a version over the unreadable record and applies it`, 25);
  // the agent's reports after an apply (sync, then the actual state) trail it: wait for a quiet host
  let last = '';
  let quietSince = Date.now();
  await waitFor(async () => {
    const u = (await version()).updatedAt;
    if (u !== last) [last, quietSince] = [u, Date.now()];
    return Date.now() - quietSince > 1500;
  }, 30_000, `${REAL} quiet after its apply`, 100);
  const after = (await version()).desiredVersion;
  return `desired v${before}→v${after}; ${[...seen].join('; ')}`;
}

function variantCase(kind: string, t: Target, v: Variant): HostileCase {
  if (kind === 'desired' && !v.publishFails) {
    return {
      name: `${kind}: ${v.name}`,
      send: (env) => garbageOnDesired(env, v.bytes(t)),
      expect: /^desired v(\d+)→v(?!\1\b)\d+/,
      mayChange: ['projection', 'streams'],
    };
  }
  return {
    name: `${kind}: ${v.name}`,
    async send(env) {
      const bytes = v.bytes(t);
      const err = await env.publishRaw(t.subject, bytes);
      if (v.publishFails) return err ?? 'published (it should not have been)';
      if (err) throw new Error(`publish failed: ${err}`);
      const p = parseEvent(bytes, [t.type]);
      return p.ok ? 'accepted by parseEvent' : p.error.message;
    },
    expect: t.intent && !v.publishFails ? { rejected: v.says } : v.says,
  };
}

const cases: HostileCase[] = [];
for (const [kind, t] of Object.entries(targets)) {
  for (const v of variants) cases.push(variantCase(kind, t, v));
  cases.push(kind === 'desired' ? {
    name: `${kind}: an event of another subject's type`,
    send: (env) => garbageOnDesired(env, encodeEvent(makeEvent(EventTypes.policyDeleted, 'hostile-test', t.subject, { name: 'hostile-bridge' }))),
    expect: /^desired v(\d+)→v(?!\1\b)\d+/,
    mayChange: ['projection', 'streams'],
  } : {
    name: `${kind}: an event of another subject's type`,
    async send(env) {
      const wrong = otherType(t);
      const data = wrong === EventTypes.policyDeleted ? { name: 'hostile-bridge' } : { host: PLAYED, version: 1, phase: 'Applied' };
      const bytes = encodeEvent(makeEvent(wrong, 'hostile-test', t.subject, data as never));
      await env.publishRaw(t.subject, bytes);
      const p = parseEvent(bytes, [t.type]);
      return p.ok ? 'accepted' : p.error.message;
    },
    expect: t.intent ? { rejected: /not one of|not an intent|unexpected|type/ } : /is not one of/,
  });
}

const valid = <K extends EventType>(type: K, subject: string, data: unknown): FleetEvent => makeEvent(type, 'forger', subject, data as never);

// Forged or stale events that parse: refused by meaning, not by form.
cases.push(
  {
    name: 'hello: a hello for the real host on the played host\'s subject',
    send: async (env) => (await env.publishRaw(subjects.hello(PLAYED), encodeEvent(valid(EventTypes.hello, subjects.hello(PLAYED), { ...targets.hello!.data, host: REAL, labels: { hostile: 'no' } })))) ?? '',
    expect: 'ignored',
  },
  {
    name: 'sync: a sync report for the real host on the played host\'s subject',
    send: async (env) => (await env.publishRaw(subjects.sync(PLAYED), encodeEvent(valid(EventTypes.syncReported, subjects.sync(PLAYED), { host: REAL, version: 1, phase: 'Failed', error: { message: 'forged' } })))) ?? '',
    expect: 'ignored',
  },
  {
    name: 'state: an actual state for the real host on the played host\'s subject',
    send: async (env) => (await env.publishRaw(subjects.state(PLAYED), encodeEvent(valid(EventTypes.stateReported, subjects.state(PLAYED), { host: REAL, state: { interfaces: [] } })))) ?? '',
    expect: 'ignored',
  },
  {
    name: 'sync: a report for a version never published',
    send: async (env) => (await env.publishRaw(subjects.sync(PLAYED), encodeEvent(valid(EventTypes.syncReported, subjects.sync(PLAYED), { host: PLAYED, version: 999, phase: 'Applied', inSync: true })))) ?? '',
    expect: 'ignored',
  },
  {
    name: 'sync: a Failed report with results nested 5,000 deep (issue 13 item 3)',
    async send(env) {
      const text = JSON.stringify(valid(EventTypes.syncReported, subjects.sync(PLAYED), {
        host: PLAYED, version: 1, phase: 'Failed', results: [{ path: 'interfaces[eth0].mtu', expected: '__SPLICE__', actual: 1, inSync: false }],
      })).replace('"__SPLICE__"', DEEP);
      await env.publishRaw(subjects.sync(PLAYED), text);
      const p = parseEvent(text);
      return p.ok ? 'accepted' : p.error.message;
    },
    expect: /nested more than 64 levels/,
  },
  {
    name: 'intent.host: a rollback of the real host to a version that does not exist',
    send: async (env) => (await env.publishRaw(subjects.intentHost(REAL), encodeEvent(valid(EventTypes.hostRollbackRequested, subjects.intentHost(REAL), { host: REAL, toVersion: 999 })))) ?? '',
    expect: { rejected: /999|version/ },
  },
  {
    name: 'intent.host: labels for the real host sent on the played host\'s subject',
    send: async (env) => (await env.publishRaw(subjects.intentHost(PLAYED), encodeEvent(valid(EventTypes.hostLabeled, subjects.intentHost(PLAYED), { host: REAL, set: { hostile: 'no' } })))) ?? '',
    expect: { rejected: /subject|host/ },
  },
  {
    name: 'intent.policy: an upsert whose policy name differs from its subject',
    send: async (env) => (await env.publishRaw(subjects.intentPolicy('hostile-bridge'), encodeEvent(valid(EventTypes.policyUpserted, subjects.intentPolicy('hostile-bridge'), { policy: { ...hostilePolicy('other-name', 1300) } })))) ?? '',
    expect: { rejected: /subject|name/ },
  },
  {
    name: 'intent.policy: a policy with MTU 70000',
    send: async (env) => (await env.publishRaw(subjects.intentPolicy('hostile-bridge'), encodeEvent(valid(EventTypes.policyUpserted, subjects.intentPolicy('hostile-bridge'), { policy: hostilePolicy('hostile-bridge', 70000) })))) ?? '',
    expect: { rejected: /mtu|invalid/i },
  },
);

// Heartbeats are core NATS (no stream): garbage there must not even touch liveness of other hosts.
for (const [name, bytes] of [
  ['not JSON', '{"specversion":'],
  ['a heartbeat for the real host on the played host\'s subject', () => encodeEvent(valid(EventTypes.heartbeat, subjects.heartbeat(PLAYED), { host: REAL }))],
  ['nested 5,000 deep', () => eventText({ ...targets.state!, subject: subjects.heartbeat(PLAYED), type: EventTypes.heartbeat, data: { host: PLAYED } }, (e) => ({ ...e, data: { host: PLAYED, x: '__SPLICE__' } }), DEEP)],
  ['a heartbeat with a negative applied version', () => encodeEvent({ ...valid(EventTypes.heartbeat, subjects.heartbeat(PLAYED), { host: PLAYED }), data: { host: PLAYED, appliedVersion: -1 } } as FleetEvent)],
  ['a heartbeat dated in the year 9999', () => encodeEvent(makeEvent(EventTypes.heartbeat, 'forger', subjects.heartbeat(PLAYED), { host: PLAYED }, { time: new Date('9999-01-01T00:00:00Z') }))],
] as [string, string | (() => Uint8Array | string)][]) {
  cases.push({
    name: `heartbeat: ${name}`,
    async send(env) {
      await env.publishCore(subjects.heartbeat(PLAYED), typeof bytes === 'function' ? bytes() : bytes);
      return '';
    },
    expect: 'ignored',
  });
}

const t = suite('hostile input on the bus');
let env: HostileEnv;
if (why) {
  console.log(`SKIP: hostile input on the bus: ${why}`);
  t.skip('hostile bus cases', () => undefined);
} else {
  t.before(async () => {
    env = await startHostileEnv({ kernel: true });
  });
  t.after(async () => {
    await env?.stop();
  });
  hostileCases(t, () => env, cases);
}
t.run();
