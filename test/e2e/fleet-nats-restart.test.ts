/**
 * Issue 5, test 6: the nats-server is killed (SIGKILL) in the middle of a rollout and started again
 * on the same port and store. The fleet converges; every desired version and every report is in the
 * streams (versions 1..N per host, no gap; the agents' outboxes drained; reports republished with
 * their event ids and stored once); and the projection folded live equals a rebuild from the streams.
 *
 * Real parts: one nats-server, the controller in this process (so its projection can be compared),
 * three hosts (network namespaces with their own OVS), each running `fleetnet-agent run`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Subscription } from '@nats-io/transport-node';
import {
  EventTypes, parseEvent, Streams, subjects,
  type DesiredPublishedData, type FleetEvent, type HostNetworkPolicy, type SyncReportedData,
} from '@fleetnet/contracts';
import { startController, rebuildFromStreams, type RunningController } from '../../services/controller/src/index.ts';
import type { Bus } from '../../services/controller/src/bus.ts';
import { startFleet, type Fleet } from '../support/fleet.ts';
import { startNats, type NatsServer } from '../support/nats.ts';
import { ovsAvailable } from '../support/ovs.ts';
import { sleep, waitFor } from '../support/ports.ts';

const HOSTS = ['nr-a', 'nr-b', 'nr-c'];
const POLICY = 'nats-restart';
const OUTBOX_FILE = 'outbox.jsonl';

function policy(mtu: number): HostNetworkPolicy {
  return {
    apiVersion: 'fleetnet.io/v1',
    kind: 'HostNetworkPolicy',
    metadata: { name: POLICY },
    spec: {
      hostSelector: { matchLabels: { role: 'nr' } },
      rollout: { maxUnavailable: 1 },
      desiredState: {
        interfaces: [
          { name: 'data0', state: 'up', mtu },
          { name: 'br-nr', type: 'linux-bridge', state: 'up', bridge: { port: [{ name: 'data0' }] } },
        ],
      },
    },
  } as HostNetworkPolicy;
}

interface Stored {
  seq: number;
  subject: string;
  event: FleetEvent;
}

/** Every message of a stream in order (those that do not parse are kept with a marker, to be counted). */
async function readStream(bus: Bus, stream: string): Promise<Stored[]> {
  const last = (await bus.jsm.streams.info(stream)).state.last_seq;
  const out: Stored[] = [];
  if (!last) return out;
  const iter = await (await bus.js.consumers.get(stream)).consume({ max_messages: 1000 });
  try {
    for await (const m of iter) {
      const p = parseEvent(m.data);
      if (!p.ok) throw new Error(`${stream} seq ${m.seq} (${m.subject}) is not a valid event: ${p.error.message}`);
      out.push({ seq: m.seq, subject: m.subject, event: p.event });
      if (m.seq >= last) break;
    }
  } finally {
    await iter.close().catch(() => undefined);
  }
  return out;
}

/** The path of the first difference between two plain values, for a readable failure. */
function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

let nats: NatsServer | undefined;
let ctl: RunningController | undefined;
let fleet: Fleet | undefined;
let syncSub: Subscription | undefined;

test.after(async () => {
  syncSub?.unsubscribe();
  await fleet?.stop().catch((e) => console.error('fleet.stop failed:', e));
  await ctl?.stop().catch((e) => console.error('controller stop failed:', e));
  await nats?.stop().catch((e) => console.error('nats stop failed:', e));
});

/** every host applied, in sync, a version whose only source is `revision` of the policy, and its data0 has `mtu` */
async function waitRevision(revision: number, mtu: number, timeoutMs: number) {
  const f = fleet!;
  let views: Awaited<ReturnType<Fleet['hostViews']>> = [];
  try {
    await waitFor(async () => {
      views = await Promise.all(HOSTS.map((h) => f.hostView(h)));
      return views.every((v) => v.phase === 'Applied' && v.inSync === true && v.appliedVersion === v.desiredVersion
        && v.sources.some((s) => s.policy === POLICY && s.revision === revision));
    }, timeoutMs, `every host in sync with ${POLICY} revision ${revision}`, 200);
  } catch (e) {
    const lines = views.map((v) => `  ${v.name}: desired v${v.desiredVersion} applied v${v.appliedVersion} ${v.phase} inSync=${v.inSync} sources=${JSON.stringify(v.sources)}${v.lastError ? ` error: ${v.lastError.message}` : ''}`);
    const logs = f.hosts.map((h) => `--- agent ${h.name}:\n${h.agent?.tail(15)}`).join('\n');
    throw new Error(`${(e as Error).message}\n${lines.join('\n')}\n${logs}`);
  }
  for (const h of f.hosts) {
    const [link] = h.ns.ipJson<{ mtu: number; master?: string }[]>('link', 'show', 'data0');
    assert.is(link?.mtu, mtu, `${h.name}: data0 has MTU ${mtu}`);
    assert.is(link?.master, 'br-nr', `${h.name}: data0 is a port of br-nr`);
  }
}

test('nats-server killed and restarted mid-rollout: the fleet converges, nothing is lost, the projection equals a rebuild', async () => {
  const missing = ovsAvailable();
  if (missing) throw new Error(`this test needs Open vSwitch: ${missing}`);
  const t0 = Date.now();
  nats = await startNats();
  ctl = await startController({ servers: [nats.url], logLevel: process.env.TEST_VERBOSE ? 'warn' : 'silent', timeoutCheckMs: 200, unreachableAfterSeconds: 30 });
  fleet = await startFleet({
    hosts: HOSTS.map((name) => ({ name, labels: { role: 'nr' } })),
    natsPorts: [nats.port],
    controller: false,
  });
  const f = fleet;

  // Revision 1 everywhere first: every host then has a version to move on from.
  await f.applyPolicy(policy(9000));
  await waitRevision(1, 9000, 45_000);
  const startRev2 = Date.now();

  // Revision 2 rolls out one host at a time; the server dies when the first host starts applying it.
  const applying: { host: string; version: number }[] = [];
  let versionsAtRev1: Record<string, number> = {};
  versionsAtRev1 = Object.fromEntries((await f.hostViews()).map((v) => [v.name, v.desiredVersion]));
  let firstApplying: () => void = () => undefined;
  const applyingSeen = new Promise<void>((r) => (firstApplying = r));
  syncSub = f.client.nc.subscribe('fleetnet.sync.*', {
    callback: (_e, m) => {
      const p = parseEvent(m.data, [EventTypes.syncReported]);
      if (!p.ok) return;
      const d = p.event.data as SyncReportedData;
      if (d.phase === 'Applying' && d.version > (versionsAtRev1[d.host] ?? 0)) {
        applying.push({ host: d.host, version: d.version });
        firstApplying();
      }
    },
  });
  await f.applyPolicy(policy(8000));
  await Promise.race([applyingSeen, sleep(30_000).then(() => Promise.reject(new Error('no host started applying revision 2 within 30 s')))]);
  syncSub.unsubscribe();
  syncSub = undefined;
  const killedAt = Date.now();
  await nats.kill();
  const applyingAtKill = [...new Set(applying.map((a) => a.host))];
  assert.is(applyingAtKill.length, 1, `exactly one host had started revision 2 when the server died (maxUnavailable 1), got ${applyingAtKill.join(', ')}`);
  await sleep(3000);
  // every agent noticed the outage (the relay really cut them off)
  for (const h of f.hosts) assert.match(h.agent!.output(), /NATS connection lost/, `${h.name}: the agent saw the connection drop`);
  await nats.restart();
  const restartedAt = Date.now();

  await waitRevision(2, 8000, 60_000);
  const convergedAt = Date.now();
  for (const h of f.hosts) {
    assert.ok(h.agent!.running, `${h.name}: the agent is still running`);
    assert.match(h.agent!.output(), /NATS connection back/, `${h.name}: the agent came back to NATS`);
  }
  const rollout = (await f.client.request('rollouts.get', { policy: POLICY })).rollout;
  assert.is(rollout.revision, 2);
  assert.is(rollout.state, 'Complete', `rollout of revision 2 is Complete (counts ${JSON.stringify(rollout.counts)})`);

  // One more revision after the restart: intake, compiler, publish and the agents' subscriptions all still work.
  await f.applyPolicy(policy(7000));
  await waitRevision(3, 7000, 45_000);

  // Everything the agents queued during the outage was published: their outboxes drain.
  for (const h of f.hosts) {
    const file = join(h.stateDir, OUTBOX_FILE);
    await waitFor(() => !existsSync(file) || readFileSync(file, 'utf8').trim() === '', 10_000, `${h.name}: outbox empty`)
      .catch(() => assert.unreachable(`${h.name}: ${file} still holds reports:\n${readFileSync(file, 'utf8').slice(0, 2000)}`));
  }

  await ctl.settled();
  const live = structuredClone(ctl.projection.state);
  const desired = await readStream(ctl.bus, Streams.desired);
  const reports = await readStream(ctl.bus, Streams.reports);

  for (const h of HOSTS) {
    // FLEETNET_DESIRED: versions 1..N on the host's subject, in order, no gap, nothing lost.
    const mine = desired.filter((m) => m.subject === subjects.desired(h)).map((m) => m.event.data as DesiredPublishedData);
    assert.ok(mine.every((d) => d.host === h), `${h}: only its own desired states on its subject`);
    assert.equal(mine.map((d) => d.version), mine.map((_, i) => i + 1), `${h}: desired versions are 1..${mine.length}`);
    assert.ok(mine.length >= 3, `${h}: at least one version per revision (got ${mine.length})`);
    const last = mine.at(-1)!;
    assert.is(live.views.hosts[h]?.desiredVersion, last.version, `${h}: the projection's desired version is the stream's last`);
    assert.equal(last.sources, [{ policy: POLICY, revision: 3 }], `${h}: the last version comes from revision 3`);
    // each revision produced exactly one version for this host
    for (const rev of [1, 2, 3]) {
      const n = mine.filter((d) => d.sources.some((s) => s.policy === POLICY && s.revision === rev)).length;
      assert.is(n, 1, `${h}: exactly one desired version for revision ${rev}`);
    }
    // FLEETNET_REPORTS: the final version and the revision-2 version (the one cut by the outage) were applied in sync.
    const syncs = reports.filter((m) => m.subject === subjects.sync(h)).map((m) => m.event.data as SyncReportedData);
    const rev2 = mine.find((d) => d.sources.some((s) => s.revision === 2))!;
    for (const v of [rev2.version, last.version]) {
      assert.ok(syncs.some((s) => s.version === v && s.phase === 'Applied' && s.inSync === true), `${h}: an Applied in-sync report for v${v} is in ${Streams.reports}`);
      assert.ok(syncs.some((s) => s.version === v && s.phase === 'Applying'), `${h}: the Applying report for v${v} is in ${Streams.reports}`);
    }
  }

  // Reports republished after the outage carry the same event ids and were stored once.
  const seen = new Map<string, number>();
  const dups: string[] = [];
  for (const m of reports) {
    const prev = seen.get(m.event.id);
    if (prev !== undefined) dups.push(`${m.event.id} (${m.subject}) at seq ${prev} and ${m.seq}`);
    seen.set(m.event.id, m.seq);
  }
  assert.equal(dups, [], `no CloudEvents id stored twice in ${Streams.reports}`);

  // The live fold (which went through the outage) equals a rebuild from nothing but the streams.
  const rebuilt = await rebuildFromStreams(ctl.bus, live.seq);
  assert.equal(rebuilt.seq, live.seq, 'same sequences folded');
  assert.equal(Object.keys(rebuilt.hosts).sort(), Object.keys(live.hosts).sort());
  assert.equal(rebuilt.views.rollouts, live.views.rollouts, 'rollouts equal');
  assert.equal(rebuilt.views.policies, live.views.policies, 'policy views equal');
  assert.equal(rebuilt.views.hosts, live.views.hosts, 'host views equal');
  assert.equal(firstDifference(rebuilt, live), undefined, 'no difference anywhere');
  assert.equal(rebuilt, live, 'the whole projection is deep-equal');

  console.log(`timings: fleet up + rev1 ${((startRev2 - t0) / 1000).toFixed(1)} s; rev2 to kill ${((killedAt - startRev2) / 1000).toFixed(1)} s; `
    + `restart to converged ${((convergedAt - restartedAt) / 1000).toFixed(1)} s; total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

test.run();
