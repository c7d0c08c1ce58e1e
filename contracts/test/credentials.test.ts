import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CredentialsError, parseCredentials, readCredentials } from '../src/credentials.ts';

test('the JSON that deploy/gen-auth.ts writes is a user and password', () => {
  assert.equal(parseCredentials('{"user":"agent-h1","password":"s3cret"}\n', 'h1.json'), { kind: 'password', user: 'agent-h1', password: 's3cret' });
});

test('a NATS .creds file (JWT + seed) is passed on whole', () => {
  const text = '-----BEGIN NATS USER JWT-----\neyJ0\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\nSUAM\n------END USER NKEY SEED------\n';
  const c = parseCredentials(text, 'u.creds');
  assert.is(c.kind, 'jwt');
  assert.is(c.kind === 'jwt' && new TextDecoder().decode(c.creds), text);
});

test('broken credentials name the file and say what was expected', () => {
  const cases: [string, RegExp][] = [
    ['{"user":"x"}', /x\.json: expected JSON \{"user": "\.\.\.", "password": "\.\.\."\}/],
    ['{"user":"","password":"p"}', /expected JSON/],
    ['not json', /x\.json: neither JSON .* nor a NATS \.creds file/],
    ['-----BEGIN NATS USER JWT-----\neyJ0\n------END NATS USER JWT------\n', /needs both the user JWT and the NKEY seed/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseCredentials(text, 'x.json'), (e: Error) => e instanceof CredentialsError && re.test(e.message), text);
  assert.throws(() => readCredentials('/nonexistent/fleetnet.json'), /\/nonexistent\/fleetnet\.json: cannot read: no such file/);
});

test.run();
