/** The host backend's read leaves out the route rules when the apply's desired state names none (read.ts, ReadScope). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, type Runner } from '../src/exec.ts';
import { createHostBackend } from '../src/host/index.ts';
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

test('an apply of a state without route-rules does not read them: two processes less, the hostname still read', async () => {
  const { run, argvs } = recording();
  const state = await createHostBackend({ run, log: silentLogger(), hostnameFile }).read({ for: { interfaces: [] } });
  assert.is(ruleReads(argvs), 0);
  assert.is(state['route-rules'], undefined);
  assert.is(state.hostname?.config, 'h1');
});

test('an apply of a state that names route-rules (even an empty list) reads them', async () => {
  const { run, argvs } = recording();
  const state = await createHostBackend({ run, log: silentLogger(), hostnameFile }).read({ for: { 'route-rules': { config: [] } } });
  assert.is(ruleReads(argvs), 2);
  assert.ok(state['route-rules']);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
