/** An apply's verify read leaves out what its desired state cannot touch (read.ts, ReadScope): route rules, other interfaces' IPv6 sysctls. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, type Runner } from '../src/exec.ts';
import { createHostBackend } from '../src/host/index.ts';
import { readIpv6Conf } from '../src/linux/ipv6-auto.ts';
import { silentLogger } from '../src/log.ts';

const dir = mkdtempSync(join(tmpdir(), 'fleetnet-host-read-'));
const hostnameFile = join(dir, 'hostname');
writeFileSync(hostnameFile, 'h1\n');

/** The real runner (this machine's root namespace, read only), with every argv recorded. */
function recording(): { run: Runner; argvs: string[][] } {
  const real = createRunner({ log: silentLogger() });
  const argvs: string[][] = [];
  const run = Object.assign(async (cmd: string, args: string[], o?: Parameters<Runner>[2]) => {
    argvs.push([cmd, ...args]);
    return real(cmd, args, o);
  }, { stream: real.stream });
  return { run, argvs };
}
const ruleReads = (argvs: string[][]) => argvs.filter((a) => a[0] === 'ip' && a.includes('rule')).length;

test('a whole read (reports, drift, show) reads the rules of both families', async () => {
  const { run, argvs } = recording();
  const state = await createHostBackend({ run, log: silentLogger(), hostnameFile }).read();
  assert.is(ruleReads(argvs), 2);
  assert.ok(Array.isArray(state['route-rules']?.config), 'the rules (the kernel\'s defaults left out) are in the state');
});

test('the verify read of a state without route-rules leaves them out: two processes less, the hostname still read', async () => {
  const { run, argvs } = recording();
  const state = await createHostBackend({ run, log: silentLogger(), hostnameFile }).read({ for: { interfaces: [] } });
  assert.is(ruleReads(argvs), 0);
  assert.is(state['route-rules'], undefined);
  assert.is(state.hostname?.config, 'h1');
});

test('the verify read of a state that names route-rules (even an empty list) reads them', async () => {
  const { run, argvs } = recording();
  const state = await createHostBackend({ run, log: silentLogger(), hostnameFile }).read({ for: { 'route-rules': { config: [] } } });
  assert.is(ruleReads(argvs), 2);
  assert.ok(state['route-rules']);
});

test('the IPv6 sysctls are read for the interfaces in scope only (this namespace\'s /proc, read only)', async () => {
  const { run } = recording();
  const all = await readIpv6Conf(run, false);
  assert.ok(all.has('lo'), 'every interface without a scope');
  const some = await readIpv6Conf(run, false, new Set(['lo', 'fleetnet-none']));
  assert.equal([...some.keys()], ['lo']);
  assert.equal(some.get('lo'), all.get('lo'));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
