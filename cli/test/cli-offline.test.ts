import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNats, type NatsServer } from '../../test/support/nats.ts';
import { freePort } from '../../test/support/ports.ts';
import { runCli } from './run-cli.ts';

/**
 * What works without a controller: help, completion, flag errors, and the exit codes for an
 * unreachable server (5), a server nobody answers on (6) and a controller too slow to answer (3).
 */
const COMMANDS = ['apply', 'plan', 'get', 'describe', 'history', 'diff', 'rollback', 'label', 'delete', 'rollout', 'watch', 'convert', 'completion'];

let nats: NatsServer;
test.before(async () => {
  nats = await startNats();
});
test.after(async () => {
  await nats?.stop();
});

test('--help on every command shows an example; top-level help documents every exit code', async () => {
  const runs = await Promise.all(COMMANDS.map((c) => runCli([c, '--help'])));
  runs.forEach((r, i) => {
    assert.is(r.code, 0, COMMANDS[i]);
    assert.match(r.stdout, `Usage: fleetnet ${COMMANDS[i]}`);
    assert.match(r.stdout, /Examples:\n  \$ fleetnet /, `${COMMANDS[i]} --help has an example`);
  });
  const top = await runCli(['--help']);
  assert.is(top.code, 0);
  for (const code of [0, 1, 2, 3, 4, 5, 6]) assert.match(top.stdout, new RegExp(`\\n  ${code}  \\S`), `exit code ${code} documented`);
  for (const c of COMMANDS) assert.match(top.stdout, new RegExp(`\\n  ${c} `), `${c} listed`);
  assert.match(top.stdout, 'FLEETNET_SERVER');
});

test('usage errors are exit 2 without a stack trace', async () => {
  const cases = [
    ['apply'], ['frobnicate'], ['get', 'widgets'], ['get', 'hosts', '-o', 'xml'], ['get', 'hosts', '-l', 'a=b=c'],
    ['diff', 'host', 'h1', '--from', 'x'], ['rollback', 'host', 'h1', '--to-version', '0'], ['label', 'host', 'h1', 'novalue'],
    ['rollout', 'restart', 'p'], ['completion', 'fish'], ['watch', 'pods'], ['get', 'hosts', '--timeout', 'soon'],
    ['label', 'host', 'bad.name', 'a=b'],
  ];
  const runs = await Promise.all(cases.map((c) => runCli([...c, '--server', 'nats://127.0.0.1:1'])));
  runs.forEach((r, i) => {
    assert.is(r.code, 2, `${cases[i]!.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /error/i);
    assert.not.match(r.stderr, /\n\s+at .*:\d+:\d+/, 'no stack trace');
  });
});

test('completion bash is valid bash and completes commands; zsh defines a compdef', async () => {
  const bash = await runCli(['completion', 'bash']);
  assert.is(bash.code, 0);
  const dir = mkdtempSync(join(tmpdir(), 'fleetnet-compl-'));
  try {
    writeFileSync(join(dir, 'c.bash'), bash.stdout);
    const script = `source ${join(dir, 'c.bash')}; COMP_WORDS=(fleetnet ro); COMP_CWORD=1; _fleetnet; echo "\${COMPREPLY[@]}"; COMP_WORDS=(fleetnet get ""); COMP_CWORD=2; _fleetnet; echo "\${COMPREPLY[@]}"; COMP_WORDS=(fleetnet get hosts -o ""); COMP_CWORD=4; _fleetnet; echo "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const [first, second, third] = r.stdout.split('\n');
    assert.equal(first!.split(' ').sort(), ['rollback', 'rollout']);
    for (const w of ['hosts', 'policies', 'rollouts', '--selector', '--output']) assert.ok(second!.split(' ').includes(w), w);
    assert.equal(third!.split(' '), ['table', 'wide', 'json', 'yaml']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const zsh = await runCli(['completion', 'zsh']);
  assert.is(zsh.code, 0);
  assert.match(zsh.stdout, /^#compdef fleetnet/);
  assert.match(zsh.stdout, "'apply:validate policies locally");
  const check = spawnSync('zsh', ['-n', '-c', zsh.stdout], { encoding: 'utf8' });
  if (!check.error) assert.is(check.status, 0, check.stderr);
});

test('exit 5: nothing listens on --server (flag and FLEETNET_SERVER)', async () => {
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const [flag, env] = await Promise.all([
    runCli(['get', 'hosts', '--server', url]),
    runCli(['get', 'policies'], { env: { FLEETNET_SERVER: url } }),
  ]);
  for (const r of [flag, env]) {
    assert.is(r.code, 5, r.stderr);
    assert.is(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.match(r.stderr, `error: cannot reach NATS at ${url}`);
  }
});

test('exit 5: a missing --creds file is exit 2, not a crash', async () => {
  const r = await runCli(['get', 'hosts', '--server', nats.url, '--creds', '/nonexistent/user.creds']);
  assert.is(r.code, 2);
  assert.match(r.stderr, '--creds /nonexistent/user.creds: cannot read: no such file');
});

test('exit 6: NATS is up but no controller answers (queries and publishes)', async () => {
  const cmds = [
    ['get', 'hosts'], ['get', 'rollouts', 'p'], ['describe', 'host', 'h1'], ['history', 'host', 'h1'], ['rollout', 'pause', 'p'],
    ['plan', '-f', 'deploy/examples/cli-test-bridge-mtu.yaml'], ['label', 'host', 'h1', 'a=b'], ['delete', 'policy', 'p'],
    ['apply', '-f', 'deploy/examples/cli-test-bridge-mtu.yaml'], ['watch', 'hosts'],
  ];
  const runs = await Promise.all(cmds.map((c) => runCli([...c, '--server', nats.url])));
  runs.forEach((r, i) => {
    assert.is(r.code, 6, `${cmds[i]!.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^error: (no controller is answering on nats:\/\/127\.0\.0\.1:\d+|no stream FLEETNET_INTENT|no host projection)/m);
    assert.is(r.stderr.trim().split('\n').filter((l) => !l.startsWith('watching')).length, 1, 'one line');
  });
  assert.match(runs[0]!.stderr, `no controller is answering on ${nats.url}`);
});

test('exit 3: a controller that never answers within --timeout', async () => {
  // A responder that takes the request and stays silent, as a hung controller would.
  const nc: NatsConnection = await connect({ servers: nats.url });
  const sub = nc.subscribe('fleetnet.api.hosts.list', { callback: () => undefined });
  await nc.flush();
  try {
    const started = Date.now();
    const r = await runCli(['get', 'hosts', '--server', nats.url, '--timeout', '1s']);
    assert.is(r.code, 3, r.stderr);
    assert.match(r.stderr, 'error: the controller did not answer hosts.list within 1s');
    assert.ok(Date.now() - started < 30_000);
  } finally {
    sub.unsubscribe();
    await nc.close();
  }
});

test('a controller error reply maps to exit codes: NOT_FOUND 4, BAD_REQUEST 2 with details, INTERNAL 1', async () => {
  const nc = await connect({ servers: nats.url });
  const reply = (subject: string, body: unknown) =>
    nc.subscribe(subject, { callback: (_e, m) => void m.respond(JSON.stringify(body)) });
  const subs = [
    reply('fleetnet.api.hosts.get', { error: { code: 'NOT_FOUND', message: 'host nope is not known' } }),
    reply('fleetnet.api.hosts.list', { error: { code: 'BAD_REQUEST', message: 'invalid selector', details: [{ path: 'selector', message: 'cannot parse' }] } }),
    reply('fleetnet.api.policies.list', { error: { code: 'INTERNAL', message: 'boom' } }),
  ];
  await nc.flush();
  try {
    const [nf, bad, internal] = await Promise.all([
      runCli(['get', 'hosts', 'nope', '--server', nats.url]),
      runCli(['get', 'hosts', '-l', 'x', '--server', nats.url]),
      runCli(['get', 'policies', '--server', nats.url]),
    ]);
    assert.is(nf.code, 4, nf.stderr);
    assert.is(nf.stderr, 'error: host nope is not known\n');
    assert.is(bad.code, 2);
    assert.is(bad.stderr, 'error: invalid selector\n  selector: cannot parse\n');
    assert.is(internal.code, 1);
    assert.match(internal.stderr, 'boom');
  } finally {
    for (const s of subs) s.unsubscribe();
    await nc.close();
  }
});

test.run();
