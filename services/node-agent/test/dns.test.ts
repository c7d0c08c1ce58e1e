import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { compare, type NetworkState } from '@fleetnet/contracts';
import { createDnsBackend } from '../src/dns/index.ts';
import { ExecutionError } from '../src/backend.ts';

const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const ctx = { created: new Set<string>() };
const dirs: string[] = [];
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'fleetnet-dns-'));
  dirs.push(d);
  return d;
};

const ORIGINAL = '# managed by hand\noptions timeout:2 attempts:3\nnameserver 1.1.1.1\nsearch old.example\nsortlist 130.155.160.0/255.255.240.0\n';
const dns = (server: string[] | undefined, search?: string[]): NetworkState => ({
  'dns-resolver': { config: { ...(server ? { server } : {}), ...(search ? { search } : {}) } },
});
/** What a read returns: the resolver options too (nmstate's dns-resolver.config.options). */
const read = (s: NetworkState, options: string[]): NetworkState => ({ 'dns-resolver': { config: { ...s['dns-resolver']!.config, options } } });
const KEPT = ['timeout:2', 'attempts:3'];

test('servers and search domains written atomically, unrelated lines kept, second plan empty', async () => {
  const dir = tempDir();
  const path = join(dir, 'resolv.conf');
  writeFileSync(path, ORIGINAL, { mode: 0o644 });
  const backend = createDnsBackend({ path, log });
  assert.equal(await backend.read(), read(dns(['1.1.1.1'], ['old.example']), KEPT));

  const desired = dns(['10.0.0.53', '2001:db8::53'], ['corp.example', 'lab.example']);
  const plan = backend.plan(desired, await backend.read(), ctx);
  assert.is(plan.operations.length, 1);
  assert.is(plan.operations[0]?.stage, 'dns');
  const inodeBefore = statSync(path).ino;
  await backend.execute(plan.operations);

  const text = readFileSync(path, 'utf8');
  assert.is(text, '# managed by hand\noptions timeout:2 attempts:3\nsearch corp.example lab.example\nnameserver 10.0.0.53\nnameserver 2001:db8::53\nsortlist 130.155.160.0/255.255.240.0\n');
  assert.is.not(statSync(path).ino, inodeBefore, 'replaced by rename, not rewritten in place');
  assert.is(statSync(path).mode & 0o777, 0o644);
  assert.equal(readdirSync(dir), ['resolv.conf'], 'no temporary file left behind');
  const actual = await backend.read();
  assert.ok(compare(desired, actual).inSync);
  assert.equal(backend.plan(desired, actual, ctx), { operations: [], errors: [] });

  // Order of servers matters; search alone can be changed without touching servers.
  assert.is(backend.plan(dns(['2001:db8::53', '10.0.0.53']), actual, ctx).operations.length, 1);
  await backend.execute(backend.plan(dns(undefined, ['new.example']), actual, ctx).operations);
  assert.equal(await backend.read(), read(dns(['10.0.0.53', '2001:db8::53'], ['new.example']), KEPT));
  assert.equal(backend.plan({}, await backend.read(), ctx).operations, [], 'no dns-resolver in desired: left alone');
});

test('a missing resolv.conf reads as empty and is created', async () => {
  const path = join(tempDir(), 'resolv.conf');
  const backend = createDnsBackend({ path, log });
  assert.equal(await backend.read(), read(dns([], []), []));
  await backend.execute(backend.plan(dns(['192.0.2.1']), await backend.read(), ctx).operations);
  assert.is(readFileSync(path, 'utf8'), 'nameserver 192.0.2.1\n');
});

async function failure(path: string) {
  const backend = createDnsBackend({ path, log });
  // Reading a directory fails too (clearly); plan against an empty actual state to reach the write.
  const plan = backend.plan(dns(['192.0.2.1']), {}, ctx);
  assert.is(plan.operations.length, 1);
  const err = await backend.execute(plan.operations).then(() => undefined, (e: unknown) => e);
  assert.instance(err, ExecutionError);
  return (err as ExecutionError).message;
}

test('unwritable paths: a clear error naming the path, and no partial file', async () => {
  const base = tempDir();
  // The directory does not exist.
  const missing = join(base, 'no-such-dir', 'resolv.conf');
  const m1 = await failure(missing);
  assert.match(m1, missing);
  assert.match(m1, /does not exist/);
  assert.not.ok(existsSync(join(base, 'no-such-dir')));

  // The path is a directory: the temporary file is written, the rename fails, the temporary file must go.
  const isDir = join(base, 'resolv.conf');
  mkdirSync(isDir);
  writeFileSync(join(isDir, 'keep'), 'x');
  const m2 = await failure(isDir);
  assert.match(m2, isDir);
  assert.match(m2, /is a directory/);
  const readErr = await createDnsBackend({ path: isDir, log }).read().then(() => undefined, (e: Error) => e.message);
  assert.match(readErr ?? '', `cannot read ${isDir}`);
  assert.equal(readdirSync(base), ['resolv.conf'], 'no temporary file left behind');
  assert.equal(readdirSync(isDir), ['keep']);

  // A directory even root cannot create files in (sysfs): nothing is written anywhere.
  const m3 = await failure('/sys/fleetnet-test-resolv.conf');
  assert.match(m3, '/sys/fleetnet-test-resolv.conf');
  assert.match(m3, /not writable|cannot create/);
  assert.not.ok(readdirSync('/sys').some((e) => e.includes('fleetnet')));
});

test.run();
