/** The KV views on a real nats-server: an error on one entity never touches another. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pino from 'pino';
import type { HostView } from '@fleetnet/contracts';
import { client, startNats, type Client, type NatsServer } from './support.ts';
import { KvStore } from '../src/projection/store.ts';
import { emptyProjection } from '../src/projection/state.ts';
import { ensureBuckets } from '../src/streams.ts';

let nats: NatsServer;
let c: Client;

test.before(async () => {
  nats = await startNats();
  c = await client(nats.url);
});

test.after(async () => {
  await c?.close();
  await nats?.stop();
});

const view = (name: string): HostView => ({
  name, labels: {}, desiredVersion: 0, appliedVersion: 0, reportedVersion: 0, phase: 'Unknown', inSync: null,
  results: [], sources: [], conditions: [], reachable: true, retired: false, updatedAt: '2026-11-30T00:00:00Z',
});

test('a view that cannot be encoded is left out and logged; the rest of the batch is written', async () => {
  const buckets = await ensureBuckets(c, 1);
  const p = emptyProjection();
  const bad = { ...view('bad'), actual: { interfaces: [] } } as HostView;
  (bad as unknown as { weird: bigint }).weird = 1n; // JSON.stringify throws on a BigInt
  p.views.hosts = { good1: view('good1'), bad, good2: view('good2') };
  const lines: { level: number; msg: string; key?: string }[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const store = new KvStore(buckets, () => p, (v) => v, log);
  store.mark(['good1', 'bad', 'good2']);
  await store.write();
  assert.ok(await buckets.hosts.get('good1'), 'good1 written');
  assert.ok(await buckets.hosts.get('good2'), 'good2, after the bad one, written too');
  assert.is(await buckets.hosts.get('bad'), null);
  assert.ok(lines.some((l) => l.level >= 50 && l.key === 'bad' && /cannot be encoded/.test(l.msg)), JSON.stringify(lines));
  assert.equal(JSON.parse(new TextDecoder().decode((await buckets.meta.get('seq'))!.value)), p.seq, 'the folded sequence is written');
});

test.run();
