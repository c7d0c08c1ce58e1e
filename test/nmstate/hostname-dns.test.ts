/**
 * nmstate's hostname (running and config) and dns-resolver options, through the agent's command line
 * as an operator runs it. The agent runs in a UTS namespace of its own (`unshare --uts`) inside a test
 * network namespace: the machine's hostname is never touched, the hostname and resolv.conf files are
 * temporary ones.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetns, type Netns } from '../support/netns.ts';

const bin = new URL('../../services/node-agent/bin/fleetnet-agent.js', import.meta.url).pathname;
let ns: Netns;
let dir: string;
const machineHostname = hostname();

test.before(() => {
  ns = createNetns('nmh');
  dir = mkdtempSync(join(tmpdir(), 'fleetnet-nmh-'));
  writeFileSync(join(dir, 'resolv.conf'), '# kept\nnameserver 192.0.2.53\noptions ndots:3\n');
  writeFileSync(join(dir, 'hostname'), 'before\n');
});
test.after(() => {
  ns?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `hostname` after the apply is printed by the same UTS namespace: the agent's. */
function applyInUts(doc: string, verb: 'apply' | 'plan' = 'apply'): { status: number | null; stdout: string; stderr: string; uts: string } {
  const file = join(dir, 'doc.yaml');
  writeFileSync(file, doc);
  const agent = [process.execPath, bin, '--state-dir', join(dir, 'state'), '--sysfs-root', join(dir, 'sys'), '--resolv-conf', join(dir, 'resolv.conf'),
    '--hostname-file', join(dir, 'hostname'), '--ovs-db', `unix:${dir}/no-ovs.sock`, '--log-level', 'silent', verb, '-f', file, '-o', 'json'];
  const script = '"$@"; rc=$?; echo "UTS=$(hostname)" >&2; exit $rc';
  const r = spawnSync('unshare', ['--uts', 'ip', 'netns', 'exec', ns.name, 'sh', '-c', script, 'sh', ...agent], { encoding: 'utf8' });
  const uts = /UTS=(.*)/.exec(r.stderr)?.[1] ?? '';
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, uts };
}

test('plan -o json lists the operations and runs none', () => {
  const r = applyInUts('hostname:\n  running: fleetnet-h1-plan\n  config: fleetnet-h1-plan\n', 'plan');
  assert.is(r.status, 0, r.stderr + r.stdout);
  const p = JSON.parse(r.stdout);
  assert.equal(p.errors, []);
  assert.equal(p.operations.map((o: any) => [o.backend, o.description]), [
    ['host', `write ${join(dir, 'hostname')}: fleetnet-h1-plan`],
    ['host', 'hostname fleetnet-h1-plan'],
  ]);
  assert.is(r.uts, machineHostname, 'plan changed nothing');
  assert.is(readFileSync(join(dir, 'hostname'), 'utf8'), 'before\n');
});

test('hostname running and config are set in the agent\'s UTS namespace only, in sync', () => {
  const r = applyInUts('hostname:\n  running: fleetnet-h1-test\n  config: fleetnet-h1-static\n');
  assert.is(r.status, 0, r.stderr + r.stdout);
  const out = JSON.parse(r.stdout);
  assert.is(out.phase, 'Applied');
  assert.ok(out.comparison.inSync);
  assert.is(r.uts, 'fleetnet-h1-test');
  assert.is(readFileSync(join(dir, 'hostname'), 'utf8'), 'fleetnet-h1-static\n');
  assert.is(hostname(), machineHostname, 'the machine\'s hostname is unchanged');
});

test('config "" removes the static hostname file (nmstate\'s dynamic hostname)', () => {
  const r = applyInUts('hostname:\n  config: ""\n');
  assert.is(r.status, 0, r.stderr + r.stdout);
  assert.not.ok(existsSync(join(dir, 'hostname')));
  assert.is(hostname(), machineHostname);
});

test('dns-resolver options are written as one options line; config: {} purges the static DNS', () => {
  let r = applyInUts('dns-resolver:\n  config:\n    server: [192.0.2.1, 2001:db8::1]\n    search: [example.com]\n    options: [rotate, "ndots:2", trust-ad]\n');
  assert.is(r.status, 0, r.stderr + r.stdout);
  const text = readFileSync(join(dir, 'resolv.conf'), 'utf8');
  assert.is(text, '# kept\nsearch example.com\nnameserver 192.0.2.1\nnameserver 2001:db8::1\noptions rotate ndots:2 trust-ad\n');
  r = applyInUts('dns-resolver:\n  config: {}\n');
  assert.is(r.status, 0, r.stderr + r.stdout);
  assert.is(readFileSync(join(dir, 'resolv.conf'), 'utf8'), '# kept\n');
});

test('an unknown resolver option is refused before anything runs, exit 2, with its line', () => {
  const r = applyInUts('dns-resolver:\n  config:\n    options: [rotate, fast]\n');
  assert.is(r.status, 2);
  assert.match(r.stderr, /doc\.yaml:3:\d+: dns-resolver\.config\.options\[1\]: "fast" is not valid: a resolver option/);
});

test.run();
