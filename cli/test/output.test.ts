import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostView, RolloutView } from '@fleetnet/contracts';
import { renderTable } from '../src/output/table.ts';
import { colorEnabled, makeColors, visibleLength } from '../src/output/color.ts';
import { parseFormat, render } from '../src/output/format.ts';
import { ProgressPrinter, progressBar } from '../src/output/progress.ts';
import { hostsTable, rolloutsTable } from '../src/output/views.ts';
import { age, parseDuration } from '../src/output/time.ts';
import { matchesSelector as selectorMatches } from '@fleetnet/contracts';
import { parseSelectorArg as parseSelector } from '../src/selector-arg.ts';
import { parseLabelArgs } from '../src/commands/label.ts';
import { diffStates } from '../src/state-diff.ts';
import { CliError } from '../src/exit-codes.ts';

const plain = makeColors(false);
const now = Date.parse('2026-01-01T12:00:00Z');

const host = (name: string, over: Partial<HostView> = {}): HostView => ({
  name, labels: { rack: 'r1' }, desiredVersion: 3, appliedVersion: 2, reportedVersion: 3, phase: 'Applying', inSync: false,
  results: [], sources: [{ policy: 'p', revision: 1 }], conditions: [], reachable: true, retired: false,
  lastSeen: '2026-01-01T11:59:30Z', registeredAt: '2025-12-30T12:00:00Z', updatedAt: '2026-01-01T12:00:00Z', ...over,
});

test('table: columns aligned to the widest cell, three spaces apart, no trailing blanks', () => {
  const t = renderTable(['A', 'LONGER'], [['xxxxx', '1'], ['y', '22']]);
  assert.is(t, 'A       LONGER\nxxxxx   1\ny       22\n');
});

test('table: colour codes do not count as width', () => {
  const c = makeColors(true);
  const colored = renderTable(['PHASE', 'X'], [[c.paint('green', 'Applied'), '1'], ['Failed', '2']]);
  const uncolored = renderTable(['PHASE', 'X'], [['Applied', '1'], ['Failed', '2']]);
  assert.is(colored.replace(/\u001b\[[0-9;]*m/g, ''), uncolored);
  assert.ok(colored.includes('\u001b[32mApplied\u001b[0m'));
  assert.is(visibleLength(colored.split('\n')[1]!), 'Applied   1'.length);
});

test('hosts table has the documented columns; wide adds more', () => {
  const t = hostsTable([host('node-a'), host('n2', { phase: 'Applied', inSync: true, appliedVersion: 3 })], false, plain, now);
  const [head, a, b] = t.split('\n');
  assert.equal(head!.split(/\s{3,}/), ['HOST', 'LABELS', 'DESIRED', 'APPLIED', 'SYNC', 'LAST SEEN', 'AGE']);
  assert.equal(a!.split(/\s{3,}/), ['node-a', 'rack=r1', '3', '2', 'Applying', '30s', '2d']);
  assert.equal(b!.split(/\s{3,}/)[4], 'Applied');
  // Every column starts at the same offset in every row.
  assert.is(head!.indexOf('DESIRED'), a!.indexOf('3'));
  const wide = hostsTable([host('node-a')], true, plain, now).split('\n')[0]!;
  for (const col of ['IN SYNC', 'REACHABLE', 'POLICIES', 'AGENT', 'CONDITIONS']) assert.ok(wide.includes(col), col);
});

test('rollouts table counts', () => {
  const r: RolloutView = {
    policy: 'p', revision: 2, state: 'Halted', maxUnavailable: 1, canary: 0, failureThreshold: 1,
    hosts: {}, counts: { total: 4, pending: 1, inProgress: 0, succeeded: 2, failed: 1 },
    failures: [{ host: 'h1', reason: 'probe failed' }], startedAt: '2026-01-01T11:00:00Z', updatedAt: '2026-01-01T11:00:00Z',
  };
  const [, row] = rolloutsTable([r], true, plain, now).split('\n');
  assert.equal(row!.split(/\s{3,}/), ['p', '2', 'Halted', '4', '2', '0', '1', '1', '60m', '1', '0', '1', 'h1: probe failed']);
});

test('formats: json and yaml print the data unchanged; unknown format is a CliError (exit 2)', () => {
  const data = { items: [host('a')], total: 1 };
  assert.equal(JSON.parse(render('json', data, () => 'table')), data);
  assert.match(render('yaml', data, () => 'table'), /^items:\n  - name: a\n/);
  assert.is(render('wide', data, (w) => (w ? 'W' : 'T')), 'W');
  assert.is(render('table', data, (w) => (w ? 'W' : 'T')), 'T');
  assert.throws(() => parseFormat('xml'), (e: unknown) => e instanceof CliError && e.code === 2);
});

test('colour: off when not a TTY or NO_COLOR is set, on for a TTY', () => {
  assert.is(colorEnabled({ isTTY: false }, {}), false);
  assert.is(colorEnabled({ isTTY: true }, {}), true);
  assert.is(colorEnabled({ isTTY: true }, { NO_COLOR: '1' }), false);
  assert.is(makeColors(false).paint('red', 'x'), 'x');
  assert.is(makeColors(true).paint('red', 'x'), '\u001b[31mx\u001b[0m');
});

test('progress: a line per change when not a TTY, redraw in place on a TTY', () => {
  const written: string[] = [];
  const r = (succeeded: number, inProgress: number, state: RolloutView['state'] = 'Progressing'): RolloutView => ({
    policy: 'p', revision: 1, state, maxUnavailable: 1, canary: 0, failureThreshold: 1, hosts: {},
    counts: { total: 2, pending: 2 - succeeded - inProgress, inProgress, succeeded, failed: 0 }, failures: [], startedAt: '', updatedAt: '',
  });
  const p = new ProgressPrinter({ write: (s: string) => written.push(s), isTTY: false }, plain);
  p.update([{ policy: 'p' }]);
  p.update([{ policy: 'p', rollout: r(0, 1) }]);
  p.update([{ policy: 'p', rollout: r(0, 1) }]);
  p.update([{ policy: 'p', rollout: r(2, 0, 'Complete') }]);
  assert.equal(written, [
    'p: waiting for the controller\n',
    'p rev 1: Progressing: done 0/2, in progress 1, failed 0, pending 1\n',
    'p rev 1: Complete: done 2/2, in progress 0, failed 0, pending 0\n',
  ]);
  const tty: string[] = [];
  const t = new ProgressPrinter({ write: (s: string) => tty.push(s), isTTY: true }, plain);
  t.update([{ policy: 'p', rollout: r(1, 1) }]);
  t.update([{ policy: 'p', rollout: r(2, 0) }]);
  assert.match(tty[1]!, /^\u001b\[1A/);
  assert.match(tty[1]!, /\[#{20}\]/);
  assert.is(progressBar(1, 1, 4, 8), '[##xx....]');
});

test('selector parsing (kubectl syntax) and matching', () => {
  const s = parseSelector('rack=r1,role in (a, b),!canary,zone,env!=prod');
  assert.equal(s, {
    matchLabels: { rack: 'r1' },
    matchExpressions: [
      { key: 'role', operator: 'In', values: ['a', 'b'] },
      { key: 'canary', operator: 'DoesNotExist' },
      { key: 'zone', operator: 'Exists' },
      { key: 'env', operator: 'NotIn', values: ['prod'] },
    ],
  });
  assert.ok(selectorMatches(s, { rack: 'r1', role: 'a', zone: 'z', env: 'dev' }));
  assert.not.ok(selectorMatches(s, { rack: 'r1', role: 'a', zone: 'z', canary: 'y' }));
  assert.not.ok(selectorMatches(s, { rack: 'r1', role: 'c', zone: 'z' }));
  assert.throws(() => parseSelector('a=b=c'), (e: unknown) => e instanceof CliError && e.code === 2);
});

test('label arguments: k=v sets, k- removes, invalid keys and values are exit 2', () => {
  assert.equal(parseLabelArgs(['rack=r1', 'old-', 'example.com/x=y']), { set: { rack: 'r1', 'example.com/x': 'y' }, remove: ['old'] });
  for (const bad of [['rack'], ['bad key=x'], ['k=has space'], ['-'], ['a=1', 'a-']]) {
    assert.throws(() => parseLabelArgs(bad), (e: unknown) => e instanceof CliError && e.code === 2, bad.join(' '));
  }
});

test('state diff: keyed by interface name and route identity, reordering is no change', () => {
  const a = { interfaces: [{ name: 'br0', type: 'linux-bridge' as const, mtu: 1500 }, { name: 'old', type: 'veth' as const, veth: { peer: 'p' } }], routes: { config: [{ destination: '10.0.0.0/8', 'next-hop-address': '192.0.2.1' }] } };
  const b = { interfaces: [{ name: 'new', type: 'linux-bridge' as const }, { name: 'br0', type: 'linux-bridge' as const, mtu: 9000 }], routes: { config: [{ destination: '10.0.0.0/8', 'next-hop-address': '192.0.2.1' }] } };
  assert.equal(diffStates(a, b), [
    { op: 'modify', path: 'interfaces[br0].mtu', from: 1500, to: 9000 },
    { op: 'remove', path: 'interfaces[old]', from: { name: 'old', type: 'veth', veth: { peer: 'p' } } },
    { op: 'add', path: 'interfaces[new]', to: { name: 'new', type: 'linux-bridge' } },
  ]);
  assert.equal(diffStates(b, { ...b, interfaces: [...b.interfaces].reverse() }), []);
});

test('durations and ages', () => {
  assert.is(parseDuration('30s'), 30_000);
  assert.is(parseDuration('2m'), 120_000);
  assert.is(parseDuration('500ms'), 500);
  assert.is(parseDuration('7'), 7000);
  assert.is(parseDuration('soon'), undefined);
  assert.is(age('2026-01-01T11:59:00Z', now), '60s');
  assert.is(age('2026-01-01T09:00:00Z', now), '3h');
  assert.is(age(undefined, now), '<none>');
});

test.run();
