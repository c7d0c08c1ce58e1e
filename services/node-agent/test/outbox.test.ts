import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventTypes, makeEvent, subjects, type FleetEvent } from '@fleetnet/contracts';
import { Outbox } from '../src/bus/outbox.ts';
import { summarize } from '../src/bus/summarize.ts';

const dir = mkdtempSync(join(tmpdir(), 'fleetnet-outbox-'));
const ev = (i: number) => makeEvent(EventTypes.heartbeat, 'test', subjects.heartbeat('h1'), { host: 'h1', appliedVersion: i });
const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean);

test('append-only: a report is on disk before it is published; a publish adds a short sent line, never a rewrite', async () => {
  const file = join(dir, 'a.jsonl');
  const o = new Outbox(file);
  for (let i = 1; i <= 3; i++) o.push('s', ev(i));
  assert.is(lines(file).length, 3);
  let n = 0;
  await o.flush(async () => {
    if (++n === 3) throw new Error('down');
  }).catch(() => undefined);
  assert.is(o.size, 1);
  const l = lines(file);
  assert.is(l.length, 5, 'three entries and two sent lines');
  assert.ok(JSON.parse(l[3]!).sent && JSON.parse(l[4]!).sent);
  o.close();
  // a restart reads back only what was not sent, in order
  const again = new Outbox(file);
  assert.is(again.size, 1);
  const sent: FleetEvent[] = [];
  await again.flush(async (_s, e) => void sent.push(e));
  assert.is((sent[0]!.data as { appliedVersion: number }).appliedVersion, 3);
  assert.is(readFileSync(file, 'utf8'), '', 'emptied once nothing waits');
  again.close();
});

test('a torn last line and garbage are skipped; many sent lines are compacted', async () => {
  const file = join(dir, 'b.jsonl');
  const o = new Outbox(file);
  o.push('s', ev(1));
  o.close();
  appendFileSync(file, 'garbage\n{"subject":"s","ev');
  const r = new Outbox(file);
  assert.is(r.size, 1);
  for (let i = 0; i < 1500; i++) r.push('s', ev(i));
  let k = 0;
  await r.flush(async () => {
    if (++k > 1200) throw new Error('down');
  }).catch(() => undefined);
  assert.is(r.size, 301);
  // without compaction: 1,501 entries and 1,200 sent lines; with it, never more than 1,000 sent lines on top of what waits
  assert.ok(lines(file).length <= 301 + 1000, `compacted: ${lines(file).length} lines for 301 waiting`);
  r.close();
  assert.is(new Outbox(file).size, 301);
});

test('summarize: a state report over max_payload keeps the first interfaces and says so; a hello cannot be', () => {
  const state = { interfaces: Array.from({ length: 500 }, (_, i) => ({ name: `b${i}`, type: 'linux-bridge' as const, state: 'up' as const, mtu: 1500 })) };
  const big = makeEvent(EventTypes.stateReported, 'a', subjects.state('h1'), { host: 'h1', state, seq: 7 });
  const small = summarize(big, 8192)!;
  assert.ok(small);
  const d = small.data as { state: { interfaces: unknown[] }; summarized: string; seq: number };
  assert.ok(d.state.interfaces.length < 500 && d.state.interfaces.length > 0);
  assert.match(d.summarized, /more than the bus takes \(max_payload 8192\): only the first \d+ of 500 interfaces/);
  assert.is(d.seq, 7, 'the same counter');
  assert.is(small.id, big.id, 'the same event id');
  assert.ok(Buffer.byteLength(JSON.stringify(small)) <= 8192);
  const hello = makeEvent(EventTypes.hello, 'a', subjects.hello('h1'), { host: 'h1', agentVersion: 'x'.repeat(9000), labels: {}, facts: { nics: [], kernel: { release: '6', capabilities: { bond: false, vlan: false, vxlan: false, dummy: false, macvlan: false, ovs: false } } } });
  assert.is(summarize(hello, 8192), undefined);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
