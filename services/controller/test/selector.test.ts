import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { matchesSelector, parseSelector, SelectorSyntaxError } from '@fleetnet/contracts';
import { LabelIndex } from '../src/label-index.ts';

const L = { role: 'web', zone: 'a', gpu: 'yes' };

test('matchLabels: every pair must be equal; empty or absent selector selects all', () => {
  assert.ok(matchesSelector({ matchLabels: { role: 'web', zone: 'a' } }, L));
  assert.not.ok(matchesSelector({ matchLabels: { role: 'web', zone: 'b' } }, L));
  assert.ok(matchesSelector(undefined, L));
  assert.ok(matchesSelector({}, {}));
});

test('matchExpressions: In, NotIn (absent key matches), Exists, DoesNotExist', () => {
  const m = (operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', key: string, values?: string[]) =>
    matchesSelector({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] }, L);
  assert.ok(m('In', 'zone', ['a', 'b']));
  assert.not.ok(m('In', 'zone', ['b']));
  assert.not.ok(m('In', 'missing', ['a']));
  assert.ok(m('NotIn', 'zone', ['b']));
  assert.not.ok(m('NotIn', 'zone', ['a']));
  assert.ok(m('NotIn', 'missing', ['a']));
  assert.ok(m('Exists', 'gpu'));
  assert.not.ok(m('Exists', 'missing'));
  assert.ok(m('DoesNotExist', 'missing'));
  assert.not.ok(m('DoesNotExist', 'gpu'));
  assert.not.ok(matchesSelector({ matchLabels: { role: 'web' }, matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }, L), 'all terms must hold');
});

test('parseSelector: kubectl -l syntax', () => {
  assert.equal(parseSelector('a=b,c!=d,e in (x, y),!f,g,h notin (z),i==j'), {
    matchLabels: { a: 'b', i: 'j' },
    matchExpressions: [
      { key: 'c', operator: 'NotIn', values: ['d'] },
      { key: 'e', operator: 'In', values: ['x', 'y'] },
      { key: 'f', operator: 'DoesNotExist' },
      { key: 'g', operator: 'Exists' },
      { key: 'h', operator: 'NotIn', values: ['z'] },
    ],
  });
  assert.equal(parseSelector(''), {});
  assert.equal(parseSelector('fleetnet.io/role=edge'), { matchLabels: { 'fleetnet.io/role': 'edge' } });
  for (const bad of ['a in (x', 'a=b,,c', 'a in ()', '=b', 'a b', 'a)']) {
    assert.throws(() => parseSelector(bad), (e: unknown) => e instanceof SelectorSyntaxError, bad);
  }
});

test('LabelIndex: answers selectors exactly, and follows label changes', () => {
  const ix = new LabelIndex();
  ix.set('h1', { role: 'web', zone: 'a' });
  ix.set('h2', { role: 'db', zone: 'a' });
  ix.set('h3', { role: 'web', zone: 'b', gpu: 'yes' });
  assert.equal(ix.select({ matchLabels: { role: 'web' } }), ['h1', 'h3']);
  assert.equal(ix.select({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }), ['h1', 'h2']);
  assert.equal(ix.select({ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }), ['h3']);
  assert.equal(ix.select({ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }), ['h1', 'h2']);
  assert.equal(ix.select(undefined), ['h1', 'h2', 'h3']);
  ix.set('h1', { role: 'db' });
  assert.equal(ix.select({ matchLabels: { role: 'web' } }), ['h3']);
  assert.equal(ix.select({ matchLabels: { zone: 'a' } }), ['h2']);
  ix.remove('h3');
  assert.equal(ix.select({ matchLabels: { role: 'web' } }), []);
  assert.is(ix.size, 2);
  // every selector agrees with the plain matcher over the same hosts
  const hosts: Record<string, Record<string, string>> = { x: { a: '1' }, y: { a: '2', b: '1' }, z: {} };
  const ix2 = new LabelIndex();
  for (const [h, l] of Object.entries(hosts)) ix2.set(h, l);
  for (const sel of ['a=1', 'a!=1', 'a in (1,2)', 'a notin (2)', 'b', '!b', 'a=2,b']) {
    const s = parseSelector(sel);
    assert.equal(ix2.select(s), Object.keys(hosts).filter((h) => matchesSelector(s, hosts[h]!)).sort(), sel);
  }
});

test.run();
