/**
 * The checks `pnpm build` compiles ahead of time (contracts/scripts/precompile-checks.ts) answer
 * exactly what TypeBox's run-time compile of the same schema answers, on valid and broken documents.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { buildSync } from 'esbuild';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parse } from 'yaml';
import { precompiledModule } from '../scripts/precompile-checks.ts';
import { HostNetworkPolicy, NetworkState, POLICY_API_VERSION } from '../src/index.ts';

const srcDir = new URL('../src', import.meta.url).pathname;
const repoRoot = new URL('../..', import.meta.url).pathname;

/** The module as a bundle would hold it: its checks, in a fresh context, under the schema's name. */
function aheadOfTime(): Record<string, (v: unknown) => boolean> {
  const out = buildSync({
    stdin: { contents: `${precompiledModule()}\nexport const names = new Map([[NetworkState, 'NetworkState'], [HostNetworkPolicy, 'HostNetworkPolicy']]);`, resolveDir: srcDir, loader: 'js' },
    bundle: true, format: 'cjs', platform: 'node', write: false, logLevel: 'silent',
  });
  const mod = { exports: {} as { precompiledChecks: Map<object, (v: unknown) => boolean>; names: Map<object, string> } };
  runInNewContext(out.outputFiles[0]!.text, { module: mod, exports: mod.exports, require: () => { throw new Error('self-contained'); } });
  const { precompiledChecks, names } = mod.exports;
  return Object.fromEntries([...precompiledChecks].map(([schema, fn]) => [names.get(schema)!, fn]));
}

/** Documents and their broken variants: a wrong type, an unknown field, an out-of-range number, a missing name. */
function corpus(): unknown[] {
  const dir = join(repoRoot, 'test/nmstate/fixtures/valid');
  const docs = readdirSync(dir).filter((f) => f.endsWith('.yml')).map((f) => parse(readFileSync(join(dir, f), 'utf8')) as Record<string, any>);
  const broken = docs.flatMap((d) => {
    const first = d.interfaces?.[0];
    if (!first) return [];
    const clone = () => structuredClone(d);
    return [
      (() => { const c = clone(); c.interfaces[0].mtu = 'big'; return c; })(),
      (() => { const c = clone(); c.interfaces[0].bogus = 1; return c; })(),
      (() => { const c = clone(); c.interfaces[0].mtu = 70000; return c; })(),
      (() => { const c = clone(); delete c.interfaces[0].name; return c; })(),
      (() => { const c = clone(); c.interfaces[0].name = 'a name with spaces'; return c; })(),
    ];
  });
  return [...docs, ...broken, {}, [], null, 'text', { interfaces: 'x' }];
}

test('NetworkState and HostNetworkPolicy are compiled ahead, and agree with the run-time compile', () => {
  const ahead = aheadOfTime();
  assert.equal(Object.keys(ahead).sort(), ['HostNetworkPolicy', 'NetworkState']);
  const runtime = TypeCompiler.Compile(NetworkState);
  const docs = corpus();
  let valid = 0;
  for (const doc of docs) {
    assert.is(ahead.NetworkState!(doc), runtime.Check(doc), JSON.stringify(doc).slice(0, 200));
    if (runtime.Check(doc)) valid++;
  }
  assert.ok(valid >= 10 && valid < docs.length, `both answers occur (${valid} of ${docs.length} valid)`);
  const policy = TypeCompiler.Compile(HostNetworkPolicy);
  const policies = docs.map((d) => ({ apiVersion: POLICY_API_VERSION, kind: 'HostNetworkPolicy', metadata: { name: 'p' }, spec: { hostSelector: {}, desiredState: d } }));
  for (const p of policies) assert.is(ahead.HostNetworkPolicy!(p), policy.Check(p));
  const validPolicies = policies.filter((p) => policy.Check(p)).length;
  assert.ok(validPolicies >= 10 && validPolicies < policies.length, `both answers occur (${validPolicies} of ${policies.length} valid policies)`);
});

test.run();
