/** Liveness laid over the folded views (liveness.ts): which heartbeats the controller keeps. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { staleBeats } from '../src/liveness.ts';

const now = Date.parse('2026-12-07T12:00:00Z');
const ago = (s: number) => new Date(now - s * 1000).toISOString();

test('a heartbeat of a name no host has is forgotten once older than the limit; hosts\' and young ones stay', () => {
  const beats = new Map([
    ['h1', ago(300)], // a known host, silent for long: kept (its liveness says unreachable)
    ['ghost-old', ago(31)], // no host, older than 30 s: forgotten
    ['ghost-young', ago(5)], // no host yet: its hello may still be on the way
    ['ghost-edge', ago(30)], // exactly the limit: forgotten
  ]);
  assert.equal(staleBeats(beats, (n) => n === 'h1', now, 30).sort(), ['ghost-edge', 'ghost-old']);
});

test('made-up names cannot grow the map past one liveness window', () => {
  const beats = new Map<string, string>();
  for (let i = 0; i < 10_000; i++) beats.set(`made-up-${i}`, ago(60 + (i % 7)));
  beats.set('real', ago(1));
  const stale = staleBeats(beats, (n) => n === 'real', now, 30);
  assert.is(stale.length, 10_000);
  assert.not.ok(stale.includes('real'));
});

test.run();
