import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from './run-cli.ts';

/**
 * Every broken file must produce `file:line:col: path: message` at the spot an editor would jump to,
 * exit 2, and publish nothing. The server given is unreachable on purpose: validation must fail
 * before any connection is tried (otherwise the exit code would be 5).
 */
const NOWHERE = 'nats://127.0.0.1:1';
const dir = 'cli/test/fixtures/broken';

const cases: [file: string, expected: string][] = [
  ['01-tab-indent.yaml', '01-tab-indent.yaml:4:1: tabs are not allowed for indentation'],
  ['02-unknown-field.yaml', '02-unknown-field.yaml:10:9: spec.desiredState.interfaces[0].mtuu: unknown field "mtuu"'],
  ['03-vlan-id-range.yaml', '03-vlan-id-range.yaml:12:15: spec.desiredState.interfaces[0].vlan.id: must be at most 4094, got 5000'],
  ['04-missing-desired.yaml', '04-missing-desired.yaml:5:1: spec.desiredState: is required'],
  ['05-bad-name.yaml', '05-bad-name.yaml:4:9: metadata.name: "storage.vlan" contains a dot'],
  ['06-wrong-kind.yaml', '06-wrong-kind.yaml:2:7: kind: must be "HostNetworkPolicy"'],
  ['07-bad-state.yaml', '07-bad-state.yaml:10:16: spec.desiredState.interfaces[0].state: must be one of up, down, absent'],
  ['08-mtu-string.yaml', '08-mtu-string.yaml:10:14: spec.desiredState.interfaces[0].mtu: must be an integer, got the string "jumbo"'],
  ['09-bad-ip.yaml', '09-bad-ip.yaml:13:19: spec.desiredState.interfaces[0].ipv4.address[0].ip: "10.0.0.300" is not an IPv4 address'],
  ['10-duplicate-key.yaml', '10-duplicate-key.yaml:5:3: duplicate key "name"'],
  ['11-duplicate-interface.yaml', '11-duplicate-interface.yaml:10:15: spec.desiredState.interfaces[1].name: duplicate interface "br0"'],
  ['12-route-host-bits.yaml', '12-route-host-bits.yaml:9:24: spec.desiredState.routes.config[0].destination: 10.1.2.3/8 has host bits set; did you mean 10.0.0.0/8?'],
  ['13-selector-values.yaml', '13-selector-values.yaml:8:9: spec.hostSelector.matchExpressions[0].values: operator In needs at least one value'],
  ['14-second-document.yaml', '14-second-document.yaml:17:13: spec.desiredState.dns-resolver.config.server[0]: "not-an-ip" is not an IP address'],
  ['15-unclosed-bracket.json', '15-unclosed-bracket.json:5:45: unclosed "["'],
  ['16-vlan-section-wrong-type.yaml', '16-vlan-section-wrong-type.yaml:10:9: spec.desiredState.interfaces[0].vlan: "vlan" is only valid for type vlan, not linux-bridge'],
  ['17-bond-mode.yaml', '17-bond-mode.yaml:11:17: spec.desiredState.interfaces[0].link-aggregation.mode: must be one of balance-rr'],
  ['18-empty.yaml', '18-empty.yaml:1:1: no policy document in file'],
  ['19-duplicate-policy.yaml', '19-duplicate-policy.yaml:11:9: metadata.name: policy "twice" is defined twice'],
  ['20-port-twice.yaml', '20-port-twice.yaml:17:21: spec.desiredState.interfaces[1].bridge.port[0].name: "eth0" is already a port of "br0"'],
];

// Each CLI run starts a Node process; run them all at once, then check each in its own test.
const results = new Map<string, Promise<CliResult>>();
test.before(() => {
  for (const [file] of cases) results.set(file, runCli(['apply', '-f', `${dir}/${file}`, '--server', NOWHERE]));
});

for (const [file, expected] of cases) {
  test(`apply ${file}: ${expected.split(': ')[0]}`, async () => {
    const r = await results.get(file)!;
    assert.is(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.ok(lines.some((l) => l.startsWith(`${dir}/${expected}`)), `expected a line starting with\n  ${dir}/${expected}\ngot\n${r.stderr}`);
    assert.match(lines[lines.length - 1]!, /^error: \d+ errors? in the input; nothing was published$/);
    assert.is(r.stdout, '', 'nothing may be reported as published');
    assert.not.match(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
  });
}

test('a directory: every error of every file, and the valid files are not published either', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'fleetnet-cli-load-'));
  try {
    writeFileSync(join(tmp, 'a-good.yaml'), 'apiVersion: fleetnet.io/v1\nkind: HostNetworkPolicy\nmetadata:\n  name: good\nspec:\n  desiredState: {}\n');
    writeFileSync(join(tmp, 'b-bad.yaml'), 'apiVersion: fleetnet.io/v1\nkind: HostNetworkPolicy\nmetadata:\n  name: bad\nspec:\n  priority: 5000\n  desiredState: {}\n');
    writeFileSync(join(tmp, 'c-bad.json'), '{"apiVersion":"fleetnet.io/v1","kind":"HostNetworkPolicy","metadata":{"name":"j"},"spec":{"desiredState":{"interfaces":[{"name":"this-name-is-far-too-long"}]}}}');
    writeFileSync(join(tmp, 'notes.txt'), 'not a policy, ignored');
    const r = await runCli(['apply', '-f', tmp, '--server', NOWHERE]);
    assert.is(r.code, 2);
    assert.match(r.stderr, `${tmp}/b-bad.yaml:6:13: spec.priority: must be at most 1000, got 5000`);
    assert.match(r.stderr, `${tmp}/c-bad.json:1:`);
    assert.match(r.stderr, 'spec.desiredState.interfaces[0].name');
    assert.match(r.stderr, 'error: 2 errors in the input');
    assert.is(r.stdout, '');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('stdin is named <stdin> in errors', async () => {
  const r = await runCli(['apply', '-f', '-', '--server', NOWHERE], { input: 'apiVersion: fleetnet.io/v1\nkind: HostNetworkPolicy\nmetadata:\n  name: x\nspec:\n  desiredState:\n    interfaces: nope\n' });
  assert.is(r.code, 2);
  assert.match(r.stderr, '<stdin>:7:17: spec.desiredState.interfaces: must be a list, got the string "nope"');
});

test('plan validates the same way, and a missing file is one line', async () => {
  const r = await runCli(['plan', '-f', `${dir}/03-vlan-id-range.yaml`, '--server', NOWHERE]);
  assert.is(r.code, 2);
  assert.match(r.stderr, '03-vlan-id-range.yaml:12:15: spec.desiredState.interfaces[0].vlan.id');
  const missing = await runCli(['apply', '-f', 'does/not/exist.yaml', '--server', NOWHERE]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, 'does/not/exist.yaml: no such file or directory');
  const emptyDir = mkdtempSync(join(tmpdir(), 'fleetnet-cli-empty-'));
  mkdirSync(join(emptyDir, 'sub'));
  const e = await runCli(['apply', '-f', emptyDir, '--server', NOWHERE]);
  rmSync(emptyDir, { recursive: true, force: true });
  assert.is(e.code, 2);
  assert.match(e.stderr, 'directory holds no .yaml, .yml or .json file');
});

test('valid example files pass validation (exit 5 only because the server is unreachable)', async () => {
  const r = await runCli(['apply', '-f', 'deploy/examples/cli-test-bridge-mtu.yaml', '-f', 'deploy/examples/cli-test-multi.yaml', '--server', NOWHERE]);
  assert.is(r.code, 5, r.stderr);
  assert.match(r.stderr, /^error: cannot reach NATS at nats:\/\/127\.0\.0\.1:1/m);
});

test.run();
