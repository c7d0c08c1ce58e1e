import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  boundedStringify, checkJsonText, checkValue, DEFAULT_BOUNDS, encodeEvent, EventTypes, formatViolation,
  loadPolicies, makeEvent, parseEvent, parseSelector, parseYamlDocuments, SelectorSyntaxError, subjects,
} from '@fleetnet/contracts';

const deepText = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;

test('checkJsonText: depth, entries and size in one scan; strings and escapes do not count', () => {
  assert.is(checkJsonText(deepText(64)), undefined);
  assert.is(checkJsonText(deepText(65))?.limit, 'maxDepth');
  assert.is(checkJsonText(deepText(100_000))?.limit, 'maxDepth', 'no recursion: any depth is cheap');
  assert.is(checkJsonText(`{"s":"${'['.repeat(500)}\\"${'{'.repeat(500)}"}`), undefined, 'brackets inside strings are text');
  assert.is(checkJsonText(`[${'1,'.repeat(49_999)}1]`), undefined, '50,000 entries are allowed');
  assert.is(checkJsonText(`[${'1,'.repeat(50_000)}1]`)?.limit, 'maxEntries');
  assert.is(checkJsonText(`{"a":"${',,'.repeat(40_000)}"}`), undefined, 'commas in strings are text');
  const small = { ...DEFAULT_BOUNDS, maxBytes: 100 };
  assert.is(checkJsonText('"é"'.padEnd(60, ' ').replace(/ /g, 'é'), small)?.limit, 'maxBytes', 'bytes, not characters');
  assert.match(checkJsonText(deepText(70))!.message, 'nested more than 64 levels deep (the limit)');
});

test('checkValue: the path of the first offence, no recursion, shared (non-cyclic) objects are fine', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 20_000; i++) deep = [deep];
  const v = checkValue({ a: { b: deep } });
  assert.is(v?.limit, 'maxDepth');
  assert.match(v!.path, /^a\.b\[0\]\[0\]/);
  const shared = { x: 1 };
  assert.is(checkValue({ p: shared, q: shared, r: [shared, shared] }), undefined);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.is(checkValue(cyclic)?.limit, 'maxDepth', 'a cycle is as deep as the limit');
  assert.match(formatViolation(checkValue({ list: new Array(50_001).fill(0) })!), /^list: has 50001 entries, more than the limit of 50000/);
});

test('boundedStringify never throws: deep, cyclic, BigInt and too-big values are violations', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 10_000; i++) deep = { d: deep };
  assert.is((boundedStringify(deep) as { ok: false }).ok, false);
  const big = boundedStringify({ a: 1n });
  assert.ok(!big.ok && big.violation.limit === 'serializable');
  const huge = boundedStringify({ s: 'x'.repeat(2000) }, { ...DEFAULT_BOUNDS, maxBytes: 1000 });
  assert.ok(!huge.ok && huge.violation.limit === 'maxBytes');
  const ok = boundedStringify({ a: [1, 2] });
  assert.ok(ok.ok && ok.text === '{"a":[1,2]}' && ok.bytes === 11);
});

test('parseEvent refuses a sync report nested 5,000 deep before schema validation, and says why', () => {
  const ev = makeEvent(EventTypes.syncReported, 'agent/h1', subjects.sync('h1'), {
    host: 'h1', version: 1, phase: 'Failed', results: [{ path: 'x', property: 'x', expected: 'DEEP', actual: 1, inSync: false }],
  } as never);
  const text = new TextDecoder().decode(encodeEvent(ev)).replace('"DEEP"', deepText(5000));
  const started = process.hrtime.bigint();
  const p = parseEvent(text);
  assert.ok(!p.ok);
  assert.match((p as { ok: false; error: Error }).error.message, 'event refused: document is nested more than 64 levels deep');
  assert.ok(process.hrtime.bigint() - started < 200_000_000n, 'cheap');
  assert.ok(parseEvent(encodeEvent(ev)).ok, 'the same report, not deep, is fine');
});

test('selectors: label values and keys follow the policy rule (item 10a)', () => {
  assert.equal(parseSelector(`rack=${'x'.repeat(63)}`), { matchLabels: { rack: 'x'.repeat(63) } });
  for (const bad of [`rack=${'x'.repeat(64)}`, 'rack in (a,-b)', 'rack!=b.', `${'k'.repeat(64)}`]) {
    assert.throws(() => parseSelector(bad), (e: unknown) => e instanceof SelectorSyntaxError && /invalid selector/.test((e as Error).message), bad);
  }
  assert.throws(() => parseSelector(`rack=${'x'.repeat(64)}`), /must not be longer than 63 characters/);
});

test('YAML: 3,000 ordinary aliases load; a billion-laughs document is refused naming the file', () => {
  const ordinary = `base: &b {mtu: 1500}\nitems:\n${Array.from({ length: 3000 }, () => '  - *b').join('\n')}\n`;
  assert.equal(parseYamlDocuments(ordinary, 'ok.yaml').errors, []);
  let lol = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i < 9; i++) lol += `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(',')}]\n`;
  const r = parseYamlDocuments(lol, 'lol.yaml');
  assert.is(r.errors.length, 1);
  assert.is(r.errors[0]!.file, 'lol.yaml');
  assert.match(r.errors[0]!.message, /^too many YAML alias expansions: more than 10000/);
});

test('YAML: a policy file nested past the limit is refused with the limit, never reaching a stack overflow', () => {
  // twice in a row: after one overflow inside the parser, a second parse once ran out of memory
  for (const n of [70, 5000, 5000, 300]) {
    const r = loadPolicies(deepText(n), 'deep.json');
    assert.is(r.policies.length, 0);
    assert.match(r.errors[0]!.message, /nested more than 64 levels deep|indented or nested too deeply to read: more than 256 levels/);
  }
  const indented = loadPolicies(Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n', 'indent.yaml');
  assert.equal([indented.errors[0]!.line, indented.errors[0]!.col], [258, 1]);
  assert.is(loadPolicies('apiVersion: fleetnet.io/v1\nkind: HostNetworkPolicy\nmetadata: {name: ok}\nspec: {desiredState: {interfaces: []}}\n', 'ok.yaml').errors.length, 0, 'and the next file parses');
});

test.run();
