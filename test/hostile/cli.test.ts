/**
 * Hostile input to the `fleetnet` CLI (the real binary as a child process) against a real
 * controller: files too big, too big for the server, alias bombs, nesting, binary, directories with
 * one bad file, bad flags and selectors. Each exits with a clear error naming the file or flag, and
 * nothing is published: the projection and the streams are read before and after.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { spawn } from 'node:child_process';
import { repoRoot, runCli } from '../../cli/test/run-cli.ts';
import { hostilePolicy, PLAYED, startHostileEnv, type HostileEnv } from './env.ts';
import { hostileCases, type HostileCase } from './harness.ts';

let env: HostileEnv;

/** The CLI's answer as `exit N` and its stderr, for the expectation to match. */
async function cli(args: string[], input?: string): Promise<string> {
  if (input !== undefined) return piped(args, input);
  const r = await runCli(args, { env: { FLEETNET_SERVER: env.natsUrl }, timeoutMs: 120_000 });
  return `exit ${r.code}\n${r.stderr}`;
}

/**
 * The CLI reading a pipe, as `cat big.yaml | fleetnet apply -f -`: it stops reading past its limit
 * and exits, so the writer gets EPIPE, as `cat` would.
 */
function piped(args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'cli/bin/fleetnet.js'), ...args], {
      cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', FLEETNET_SERVER: env.natsUrl }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    child.stdin.on('error', () => undefined);
    child.on('error', reject);
    child.on('close', (code) => resolve(`exit ${code}\n${stderr}`));
    child.stdin.end(input);
  });
}

/** A file in this suite's temporary directory. */
function file(name: string, content: string | Uint8Array): string {
  const p = join(env.tmp, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, content);
  return p;
}

const policyYaml = (name: string, extra: Record<string, unknown> = {}) => stringify({ ...hostilePolicy(name, 1300), ...extra });
/** a valid policy of about `bytes` bytes (a long annotation) */
const bigPolicy = (name: string, bytes: number) => stringify({ ...hostilePolicy(name, 1300), metadata: { name, annotations: { pad: 'x'.repeat(bytes) } } });

const laughs = () => {
  let y = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  const l = 'abcdefghi';
  for (let i = 1; i < 9; i++) y += `${l[i]}: &${l[i]} [${Array(9).fill(`*${l[i - 1]}`).join(',')}]\n`;
  return y;
};

type Row = [name: string, args: () => string[], expect: RegExp, input?: () => string];

const rows: Row[] = [
  ['apply: a 3 MB policy file', () => ['apply', '-f', file('big.yaml', bigPolicy('cli-big', 3_000_000))], /^exit 2\n[\s\S]*big\.yaml: \d+ bytes, more than the limit of 2097152 bytes/],
  ['apply: 3 MB on stdin', () => ['apply', '-f', '-'], /^exit 2\n[\s\S]*<stdin>: more than the limit of 2097152 bytes/, () => bigPolicy('cli-big', 3_000_000)],
  ['apply: a 1.1 MB policy (under the file limit, over max_payload)', () => ['apply', '-f', file('payload.yaml', bigPolicy('cli-payload', 1_100_000))], /^exit 2\n[\s\S]*payload\.yaml: document 1: policy "cli-payload" is \d+ bytes as an event, more than the \d+ bytes that fit in one message \(max_payload 1048576/],
  ['apply: a directory whose second file is too big for the server publishes nothing', () => {
    file('dir-payload/a-good.yaml', policyYaml('cli-good-a'));
    file('dir-payload/b-big.yaml', bigPolicy('cli-big-b', 1_100_000));
    return ['apply', '-f', join(env.tmp, 'dir-payload')];
  }, /^exit 2\n[\s\S]*nothing was published/],
  ['apply: a directory whose second file is invalid publishes nothing', () => {
    file('dir-invalid/a-good.yaml', policyYaml('cli-good-b'));
    file('dir-invalid/b-bad.yaml', policyYaml('cli-bad', { spec: { hostSelector: {}, desiredState: { interfaces: [{ name: 'x', mtu: 'big' }] } } }));
    return ['apply', '-f', join(env.tmp, 'dir-invalid')];
  }, /^exit 2\n[\s\S]*b-bad\.yaml:\d+:\d+: [\s\S]*nothing was published/],
  ['apply: a directory whose second file is over the size limit publishes nothing', () => {
    file('dir-huge/a-good.yaml', policyYaml('cli-good-c'));
    file('dir-huge/b-huge.yaml', bigPolicy('cli-huge', 2_200_000));
    return ['apply', '-f', join(env.tmp, 'dir-huge')];
  }, /^exit 2\n[\s\S]*b-huge\.yaml: \d+ bytes, more than the limit[\s\S]*nothing was published/],
  ['apply: a billion-laughs alias bomb', () => ['apply', '-f', file('laughs.yaml', laughs())], /^exit 2\n[\s\S]*laughs\.yaml:1:1: too many YAML alias expansions: more than 10000/],
  ['apply: an alias bomb on stdin', () => ['apply', '-f', '-'], /^exit 2\n[\s\S]*<stdin>:1:1: too many YAML alias expansions/, laughs],
  ['apply: JSON nested 5,000 deep', () => ['apply', '-f', file('deep.json', `${'['.repeat(5000)}1${']'.repeat(5000)}`)], /^exit 2\n[\s\S]*deep\.json:1:1: indented or nested too deeply to read: more than 256 levels/],
  ['apply: YAML indented 1,000 levels', () => ['apply', '-f', file('indent.yaml', Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n')], /^exit 2\n[\s\S]*indent\.yaml:258:1: indented or nested too deeply to read/],
  ['apply: 2,000 compact "- " on one line', () => ['apply', '-f', file('dashes.yaml', `${'- '.repeat(2000)}1\n`)], /^exit 2\n[\s\S]*dashes\.yaml:1:1: indented or nested too deeply to read/],
  ['apply: YAML nested 70 deep', () => ['apply', '-f', file('deep70.yaml', `${'['.repeat(70)}1${']'.repeat(70)}`)], /^exit 2\n[\s\S]*deep70\.yaml:1:1: .*nested more than 64 levels/],
  ['apply: a list of 60,000 entries', () => ['apply', '-f', file('many.yaml', `[${'1,'.repeat(60_000)}1]`)], /^exit 2\n[\s\S]*many\.yaml:1:1: has 60001 entries, more than the limit of 50000/],
  ['apply: a binary file', () => ['apply', '-f', file('binary.yaml', new Uint8Array([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x07]))], /^exit 2\n[\s\S]*binary\.yaml:\d+:\d+: /],
  ['apply: an empty file', () => ['apply', '-f', file('empty.yaml', '')], /^exit 2\n[\s\S]*empty\.yaml:1:1: no policy document in file/],
  ['apply: a file that does not exist', () => ['apply', '-f', join(env.tmp, 'nope.yaml')], /^exit 2\n[\s\S]*nope\.yaml: no such file or directory/],
  ['apply: a directory without policy files', () => { file('nodocs/readme.txt', 'hi'); return ['apply', '-f', join(env.tmp, 'nodocs')]; }, /^exit 2\n[\s\S]*nodocs: directory holds no \.yaml, \.yml or \.json file/],
  ['apply: tabs for indentation', () => ['apply', '-f', file('tabs.yaml', 'apiVersion: fleetnet.io/v1\nkind: HostNetworkPolicy\nmetadata:\n\tname: x\n')], /^exit 2\n[\s\S]*tabs\.yaml:4:\d+: tabs are not allowed/],
  ['apply: an unknown field', () => ['apply', '-f', file('unknown.yaml', policyYaml('cli-unknown', { color: 'red' }))], /^exit 2\n[\s\S]*unknown\.yaml:\d+:1: color: unknown field/],
  ['apply: one policy name in two files', () => {
    file('twice/a.yaml', policyYaml('cli-twice'));
    file('twice/b.yaml', policyYaml('cli-twice'));
    return ['apply', '-f', join(env.tmp, 'twice')];
  }, /^exit 2\n[\s\S]*b\.yaml: metadata\.name: policy "cli-twice" is also defined in/],
  ['apply: a policy selector with a 64-character label value', () => ['apply', '-f', file('longlabel.yaml', stringify({ ...hostilePolicy('cli-label'), spec: { ...hostilePolicy('cli-label').spec, hostSelector: { matchLabels: { rack: 'r'.repeat(64) } } } }))], /^exit 2\n[\s\S]*longlabel\.yaml:\d+:\d+: spec\.hostSelector\.matchLabels\.rack: must not be longer than 63 characters/],
  ['apply: no -f', () => ['apply'], /^exit 2\n[\s\S]*required option '-f, --filename <path>'/],
  ['plan: a 1.1 MB policy (over max_payload)', () => ['plan', '-f', file('plan-payload.yaml', bigPolicy('cli-plan', 1_100_000))], /^exit 2\n[\s\S]*plan-payload\.yaml: document 1: policy "cli-plan" is \d+ bytes as a plan request/],
  ['get: --chunk-size 0', () => ['get', 'hosts', '--chunk-size', '0'], /^exit 2\n[\s\S]*invalid --chunk-size "0": a whole number from 1 to 10000/],
  ['get: --chunk-size abc', () => ['get', 'hosts', '--chunk-size', 'abc'], /^exit 2\n[\s\S]*invalid --chunk-size "abc"/],
  ['get: --chunk-size 20000', () => ['get', 'policies', '--chunk-size', '20000'], /^exit 2\n[\s\S]*invalid --chunk-size "20000"/],
  ['get: --limit -1', () => ['get', 'hosts', '--limit', '-1'], /^exit 2\n[\s\S]*invalid --limit "-1"/],
  ['get: --limit 1.5', () => ['get', 'rollouts', '--limit', '1.5'], /^exit 2\n[\s\S]*invalid --limit "1\.5"/],
  ['get: --limit with one name', () => ['get', 'host', PLAYED, '--limit', '3'], /^exit 2\n[\s\S]*--chunk-size and --limit apply to lists/],
  ['get: a selector value of 64 characters', () => ['get', 'hosts', '-l', `rack=${'x'.repeat(64)}`], /^exit 2\n[\s\S]*must not be longer than 63 characters/],
  ['get: an unbalanced selector', () => ['get', 'hosts', '-l', 'rack in (a'], /^exit 2\n[\s\S]*unbalanced/],
  ['get: an unknown phase', () => ['get', 'hosts', '--phase', 'Sleeping'], /^exit 2\n[\s\S]*unknown phase "Sleeping"/],
  ['get: an unknown resource', () => ['get', 'widgets'], /^exit 2\n[\s\S]*unknown resource "widgets"/],
  ['get: an unknown output format', () => ['get', 'hosts', '-o', 'xml'], /^exit 2\n[\s\S]*unknown output format "xml"/],
  ['get: a host nobody knows', () => ['get', 'host', 'nobody'], /^exit 4\n[\s\S]*host "nobody" is not known/],
  ['--timeout that is not a duration', () => ['--timeout', 'soon', 'get', 'hosts'], /^exit 2\n[\s\S]*invalid --timeout "soon"/],
  ['--creds that does not exist', () => ['--creds', join('/nonexistent', 'creds.json'), 'get', 'hosts'], /^exit 2\n[\s\S]*--creds /],
  ['label: a value starting with "-"', () => ['label', 'host', PLAYED, 'rack=-r1'], /^exit 2\n/],
  ['label: a host name with a slash', () => ['label', 'host', '../etc', 'rack=r1'], /^exit 2\n[\s\S]*name/],
  ['rollback: --to-version 0', () => ['rollback', 'host', PLAYED, '--to-version', '0'], /^exit 2\n/],
  ['rollback: --to-version abc', () => ['rollback', 'host', PLAYED, '--to-version', 'abc'], /^exit 2\n/],
  ['delete: a policy name with spaces', () => ['delete', 'policy', 'bad name'], /^exit 2\n[\s\S]*name/],
  ['rollout: pause of a rollout nobody made', () => ['rollout', 'pause', 'nope'], /^exit 4\n/],
];

const cases: HostileCase[] = rows.map(([name, args, expect, input]) => ({
  name,
  send: () => cli(args(), input?.()),
  expect,
}));

const t = suite('hostile input to the CLI');
t.before(async () => {
  env = await startHostileEnv({ kernel: false });
});
t.after(async () => {
  await env?.stop();
});
hostileCases(t, () => env, cases);

// Not hostile, the other side of the same limits: ordinary files well inside them still work.
t('plan: 150 ordinary YAML aliases load (the old limit of 100 refused them)', async () => {
  const aliases = Array.from({ length: 150 }, (_, i) => `    a${i}: *v`).join('\n');
  const text = stringify(hostilePolicy('cli-aliases', 1300)).replace('  name: cli-aliases\n', `  name: cli-aliases\n  annotations:\n    base: &v "v"\n${aliases}\n`);
  const r = await runCli(['plan', '-f', file('aliases.yaml', text)], { env: { FLEETNET_SERVER: env.natsUrl } });
  assert.is(r.code, 0, `${r.stderr}\n${text.slice(0, 300)}`);
});

t('apply: a 1 MB file of many small policies within max_payload each is published whole', async () => {
  const docs = Array.from({ length: 20 }, (_, i) => bigPolicy(`cli-many-${i}`, 40_000)).join('---\n');
  const r = await runCli(['apply', '-f', file('many-small.yaml', docs)], { env: { FLEETNET_SERVER: env.natsUrl } });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.split('\n').filter((l) => / published$/.test(l)).length, 20);
});

t.run();
