import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NetworkState, Probes, SyncReportedData } from '@fleetnet/contracts';
import { encodeEvent, EventTypes, makeEvent, parseEvent, Streams, StreamSubjects, subjects } from '@fleetnet/contracts';
import { createAgent, type Agent } from '../src/index.ts';
import { createLogger } from '../src/log.ts';
import { startDaemon, OUTBOX_FILE, type Daemon } from '../src/bus/daemon.ts';
import { startNats, type NatsServer } from '../../../test/support/nats.ts';
import { createNetns, shortId, type Netns } from '../../../test/support/netns.ts';
import { onExit } from '../../../test/support/cleanup.ts';
import { sleep, waitFor } from '../../../test/support/ports.ts';
import { link } from './helpers.ts';

const host = `bus-${shortId()}`;
let nats: NatsServer;
let ctl: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let ns: Netns;
let dir: string;
let agent: Agent;
let daemon: Daemon | undefined;
const syncs: (SyncReportedData & { id: string; at: number })[] = [];
const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

// a test-owned link with an address whose peer never answers: a ping probe to it makes an apply slow
const SLOW: Probes = { gateway: false, timeoutSeconds: 2, ping: [{ address: '10.99.0.2', interface: 'up0' }] };
const FAST: Probes = { gateway: false };

const state = (mtu: number): NetworkState => ({
  interfaces: [{
    name: 'bv0', type: 'veth', veth: { peer: 'bv0p' }, mtu, state: 'up',
    ipv4: { enabled: true, address: [{ ip: '10.77.0.1', 'prefix-length': 24 }] },
  }],
});

async function publishDesired(version: number, s: NetworkState, extra: { probes?: Probes; enforce?: boolean } = {}) {
  const subject = subjects.desired(host);
  const ev = makeEvent(EventTypes.desiredPublished, 'test', subject, {
    host, version, state: s, contentHash: `test-${version}-${shortId()}`, sources: [], probes: extra.probes ?? FAST,
    ...(extra.enforce !== undefined ? { enforce: extra.enforce } : {}),
  });
  await js.publish(subject, encodeEvent(ev), { msgID: ev.id });
}

const phases = (version: number) => syncs.filter((s) => s.version === version).map((s) => s.phase);
const applyingVersions = () => syncs.filter((s) => s.phase === 'Applying').map((s) => s.version);

function makeDaemon(servers: string[]) {
  return startDaemon({
    host, servers, agent, log, labels: { role: 'test' }, sysfsRoot: join(dir, 'sys'), heartbeatMs: 1000,
    retry: { maxAttempts: 2, baseMs: 500, maxMs: 1000 },
  });
}

test.before(async () => {
  nats = await startNats();
  ctl = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  jsm = await jetstreamManager(ctl);
  js = jetstream(ctl);
  await jsm.streams.add({ name: Streams.desired, subjects: [...StreamSubjects[Streams.desired]], allow_direct: true });
  await jsm.streams.add({ name: Streams.reports, subjects: [...StreamSubjects[Streams.reports]] });
  ctl.subscribe(subjects.sync(host), {
    callback: (err, msg) => {
      if (err) return;
      const p = parseEvent(msg.data, [EventTypes.syncReported]);
      if (p.ok) syncs.push({ ...(p.event.data as SyncReportedData), id: p.event.id, at: Date.now() });
    },
  });
  ns = createNetns('bus');
  ns.ip('link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up0p');
  ns.ip('addr', 'add', '10.99.0.1/24', 'dev', 'up0');
  ns.ip('link', 'set', 'up0', 'up');
  ns.ip('link', 'set', 'up0p', 'up');
  dir = mkdtempSync(join(tmpdir(), 'fleetnet-bus-test-'));
  onExit(`dir-${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\n');
  agent = createAgent({ stateDir: join(dir, 'state'), log, netns: ns.name, sysfsRoot: join(dir, 'sys'), resolvConf: join(dir, 'resolv.conf'), ovs: false });
  daemon = await makeDaemon([nats.url]);
});

test.after(async () => {
  await daemon?.stop();
  await ctl?.close().catch(() => undefined);
  ns?.remove();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('hello with facts and labels, then v1: Applying, then Applied in sync; the kernel has it', async () => {
  const hello = await waitFor(() => jsm.streams.getMessage(Streams.reports, { last_by_subj: subjects.hello(host) }).catch(() => null), 10_000, 'hello');
  const h = parseEvent(hello!.data, [EventTypes.hello]);
  assert.ok(h.ok);
  const hd = h.ok ? (h.event.data as any) : {};
  assert.is(hd.host, host);
  assert.equal(hd.labels, { role: 'test' });
  assert.type(hd.facts.kernel.release, 'string');
  assert.type(hd.facts.kernel.capabilities.vxlan, 'boolean');

  await publishDesired(1, state(1400), { probes: SLOW });
  await waitFor(() => phases(1).includes('Applied') || phases(1).includes('Failed') || phases(1).includes('RolledBack'), 20_000, 'v1 outcome');
  assert.equal(phases(1), ['Applying', 'Applied']);
  const applied = syncs.find((s) => s.version === 1 && s.phase === 'Applied')!;
  assert.is(applied.inSync, true);
  assert.ok(applied.results!.some((r) => r.property === 'mtu' && r.inSync && r.expected === 1400), 'per-property results');
  assert.type(applied.timings?.totalMs, 'number');
  const l = link(ns, 'bv0');
  assert.is(l.mtu, 1400);
  const a = (ns.ipJson('addr', 'show', 'dev', 'bv0') as any[])[0].addr_info.map((x: any) => `${x.local}/${x.prefixlen}`);
  assert.ok(a.includes('10.77.0.1/24'), `addresses: ${a}`);
  assert.is(daemon!.appliedVersion, 1);
  // the actual state was reported, with the applied version
  const lastState = async () => {
    const st = await jsm.streams.getMessage(Streams.reports, { last_by_subj: subjects.state(host) });
    const sp = parseEvent(st!.data, [EventTypes.stateReported]);
    assert.ok(sp.ok, sp.ok ? '' : sp.error.message);
    return sp.ok ? (sp.event.data as any) : undefined;
  };
  const sd = await waitFor(async () => ((await lastState())?.appliedVersion === 1 ? lastState() : undefined), 5000, 'state report for v1');
  assert.ok(sd.state.interfaces.some((i: any) => i.name === 'bv0' && i.mtu === 1400));
});

test('v3, v4, v5 published while v2 applies: v5 is applied next, v3 and v4 never', async () => {
  await publishDesired(2, state(1410), { probes: SLOW });
  await waitFor(() => phases(2).includes('Applying'), 10_000, 'v2 Applying');
  await publishDesired(3, state(1420));
  await publishDesired(4, state(1430));
  await publishDesired(5, state(1450));
  await waitFor(() => phases(5).includes('Applied'), 20_000, 'v5 Applied');
  assert.equal(phases(2), ['Applying', 'Applied']);
  assert.equal(phases(3), []);
  assert.equal(phases(4), []);
  assert.equal(applyingVersions(), [1, 2, 5]);
  assert.is(link(ns, 'bv0').mtu, 1450);
});

test('a desired version not newer than the applied one is ignored', async () => {
  const before = syncs.length;
  await publishDesired(3, state(1280));
  await sleep(1500);
  assert.is(syncs.length, before, 'no sync report for an old version');
  assert.is(link(ns, 'bv0').mtu, 1450);
  assert.is(daemon!.appliedVersion, 5);
});

test('an MTU changed by hand is reported Drifted within 2 s; with enforce it is put back', async () => {
  const before = syncs.length;
  const t0 = Date.now();
  ns.ip('link', 'set', 'bv0', 'mtu', '1300');
  const drift = await waitFor(() => syncs.slice(before).find((s) => s.phase === 'Drifted'), 5000, 'Drifted');
  assert.ok(drift.at - t0 < 2000, `Drifted after ${drift.at - t0} ms`);
  assert.is(drift.version, 5);
  assert.is(drift.inSync, false);
  const mtu = drift.results!.find((r) => r.property === 'mtu' && r.path.includes('bv0'));
  assert.ok(mtu && !mtu.inSync && mtu.expected === 1450 && mtu.actual === 1300, JSON.stringify(mtu));
  await sleep(500);
  assert.is(link(ns, 'bv0').mtu, 1300, 'without enforce the drift is left alone');

  await publishDesired(6, state(1450), { enforce: true });
  await waitFor(() => phases(6).includes('Applied'), 10_000, 'v6 Applied');
  assert.is(link(ns, 'bv0').mtu, 1450);
  const mark = syncs.length;
  ns.ip('link', 'set', 'bv0', 'mtu', '1310');
  await waitFor(() => syncs.slice(mark).find((s) => s.phase === 'Drifted' && s.version === 6), 5000, 'Drifted v6');
  await waitFor(() => link(ns, 'bv0').mtu === 1450, 10_000, 'MTU put back');
  await waitFor(() => syncs.slice(mark).find((s) => s.phase === 'Applied' && s.version === 6 && s.inSync), 10_000, 'Applied after enforce');
});

test('NATS away: drift and re-apply happen locally, reports queue and arrive with their original ids', async () => {
  await nats.kill();
  await waitFor(() => !daemon!.connected, 10_000, 'daemon notices the disconnect');
  ns.ip('link', 'set', 'bv0', 'mtu', '1320');
  await waitFor(() => link(ns, 'bv0').mtu === 1450, 15_000, 'enforced locally without NATS');
  const outbox = () => readFileSync(join(dir, 'state', OUTBOX_FILE), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { subject: string; event: any });
  await waitFor(() => outbox().some((i) => i.event.data.phase === 'Applied' && i.event.data.version === 6), 15_000, 'Applied queued');
  const queued = outbox();
  assert.ok(queued.some((i) => i.event.data.phase === 'Drifted'), 'Drifted is queued');
  assert.ok(daemon!.queuedReports >= queued.length);

  await nats.restart();
  await waitFor(() => daemon!.queuedReports === 0, 30_000, 'outbox drained');
  const info = await waitFor(async () => { try { return await jsm.streams.info(Streams.reports); } catch { return undefined; } }, 15_000, 'stream info');
  const ids: string[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(Streams.reports, { seq }).catch(() => null);
    if (m) ids.push(JSON.parse(new TextDecoder().decode(m.data)).id);
  }
  for (const q of queued) {
    assert.is(ids.filter((id) => id === q.event.id).length, 1, `${q.subject} ${q.event.data.phase ?? ''} ${q.event.id} once in the stream`);
  }
});

test('restarted without NATS: the last applied state is restored from the state dir', async () => {
  await daemon!.stop();
  daemon = undefined;
  ns.ip('link', 'set', 'bv0', 'mtu', '1500');
  ns.ip('addr', 'flush', 'dev', 'bv0');
  daemon = await makeDaemon(['nats://127.0.0.1:1']);
  await waitFor(() => link(ns, 'bv0').mtu === 1450, 15_000, 'MTU restored');
  const a = (ns.ipJson('addr', 'show', 'dev', 'bv0') as any[])[0].addr_info.map((x: any) => `${x.local}/${x.prefixlen}`);
  assert.ok(a.includes('10.77.0.1/24'), `addresses: ${a}`);
  assert.is(daemon.connected, false);
  assert.ok(daemon.queuedReports > 0, 'its reports wait for NATS');
});

test.run();
