import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidNameError, StreamSubjects, Streams, parseSubject, subjects } from '../src/index.ts';

const BUILDERS = {
  'intent-policy': subjects.intentPolicy,
  'intent-host': subjects.intentHost,
  desired: subjects.desired,
  hello: subjects.hello,
  state: subjects.state,
  sync: subjects.sync,
  heartbeat: subjects.heartbeat,
} as const;

test('every builder round-trips through parseSubject with its kind and name', () => {
  for (const [kind, build] of Object.entries(BUILDERS)) {
    for (const name of ['h1', 'rack-7_node-03', 'A', 'x'.repeat(63)]) {
      assert.equal(parseSubject(build(name)), { kind, name }, `${kind} ${name}`);
    }
  }
  assert.equal(parseSubject(subjects.intentRejected), { kind: 'intent-rejected' });
});

test('builders put the name as the last token of the documented subject', () => {
  assert.is(subjects.desired('web-1'), 'fleetnet.desired.web-1');
  assert.is(subjects.intentPolicy('base'), 'fleetnet.intent.policy.base');
  assert.is(subjects.intentHost('web-1'), 'fleetnet.intent.host.web-1');
  assert.is(subjects.api('hosts.list'), 'fleetnet.api.hosts.list');
});

test('builders refuse names that would add tokens, wildcards or whitespace, with a message naming the field', () => {
  const refused: [() => string, string][] = [
    [() => subjects.desired('a.b'), 'host name "a.b" contains a dot; only letters, digits, "-" and "_" are allowed'],
    [() => subjects.hello('*'), 'host name "*" contains the wildcard "*"; only letters, digits, "-" and "_" are allowed'],
    [() => subjects.state('>'), 'host name ">" contains the wildcard ">"; only letters, digits, "-" and "_" are allowed'],
    [() => subjects.sync('web 1'), 'host name "web 1" contains whitespace; only letters, digits, "-" and "_" are allowed'],
    [() => subjects.heartbeat(''), 'host name must not be empty'],
    [() => subjects.intentHost('web\n1'), 'host name "web\n1" contains whitespace; only letters, digits, "-" and "_" are allowed'],
    [() => subjects.intentPolicy('base.v2'), 'policy name "base.v2" contains a dot; only letters, digits, "-" and "_" are allowed'],
    [() => subjects.intentPolicy(undefined as unknown as string), 'policy name must be a string'],
  ];
  for (const [build, message] of refused) {
    let thrown: unknown;
    try {
      build();
    } catch (e) {
      thrown = e;
    }
    assert.instance(thrown, InvalidNameError);
    assert.is((thrown as Error).message, message);
  }
});

test('parseSubject rejects extra tokens, wildcards, bad names and foreign subjects', () => {
  for (const s of [
    'fleetnet.desired.a.b', 'fleetnet.desired.*', 'fleetnet.desired.>', 'fleetnet.desired.', 'fleetnet.desired',
    'fleetnet.hello.-h', 'fleetnet.state.h 1', 'fleetnet.intent.policy', 'fleetnet.intent.rejected.x',
    'fleetnet.api.hosts.list', 'other.desired.h1', ` fleetnet.desired.h1`, `fleetnet.sync.${'x'.repeat(64)}`,
  ]) {
    assert.is(parseSubject(s), undefined, s);
  }
});

test('every subject a builder makes is captured by its stream, and by exactly one', () => {
  const matches = (pattern: string, subject: string) => {
    const p = pattern.split('.');
    const s = subject.split('.');
    for (let i = 0; i < p.length; i++) {
      if (p[i] === '>') return s.length > i;
      if (p[i] !== '*' && p[i] !== s[i]) return false;
    }
    return p.length === s.length;
  };
  const expectedStream: Record<string, string> = {
    'intent-policy': Streams.intent, 'intent-host': Streams.intent, desired: Streams.desired, hello: Streams.reports, state: Streams.reports, sync: Streams.reports,
  };
  for (const [kind, stream] of Object.entries(expectedStream)) {
    const subject = BUILDERS[kind as keyof typeof BUILDERS]('h1');
    const owners = Object.entries(StreamSubjects).filter(([, pats]) => pats.some((p) => matches(p, subject))).map(([name]) => name);
    assert.equal(owners, [stream], subject);
  }
  // Heartbeats are core NATS only: no stream keeps them.
  assert.ok(Object.values(StreamSubjects).every((pats) => pats.every((p) => !matches(p, subjects.heartbeat('h1')))));
});

test.run();
