/**
 * Issue 5, test 6: the nats-server is killed (SIGKILL) in the middle of a rollout and started again
 * on the same port and store. The fleet converges; every desired version and every report is in the
 * streams (versions 1..N per host, no gap; the agents' outboxes drained; reports republished with
 * their event ids and stored once); and the projection folded live equals a rebuild from the streams.
 *
 * Real parts: one nats-server, the controller in this process (so that its projection can be
 * compared with a rebuild), three hosts (network namespaces with their own OVS), each running
 * `fleetnet-agent run` and reaching NATS only through its uplink.
 *
 * Steps: revision 1 (MTU 9000) everywhere; revision 2 (MTU 8000, maxUnavailable 1), and the server
 * is killed as soon as the first host reports Applying, restarted 3 s later; revision 3 (MTU 7000)
 * after the restart, so that the controller must keep working on the restarted server. The checks
 * after convergence are collected and reported together, so one failure does not hide the others.
 *
 * TEST_VERBOSE=1 prints progress and the folded stream sequences; FLEET_LOG_DIR=/some/dir keeps the
 * agents' logs there (the fleet's own directory is removed at the end).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EventTypes, makeEvent, parseEvent, Streams, subjects,
  type DesiredPublishedData, type FleetEvent, type HostNetworkPolicy,
  type SyncReportedData,
} from '@fleetnet/contracts';
import { startController, rebuildFromStreams, type RunningController } from '../../services/controller/src/index.ts';
import type { Bus } from '../../services/controller/src/bus.ts';
import { lastSeqs } from '../../services/controller/src/projection/replay.ts';
import { applyUntilFirstApplying, failoverPolicy, logTail, quickApi, viewLine, waitRevision } from '../support/failover.ts';
import { firstDifference } from '../../services/controller/test/first-difference.ts';
import { startFleet, type Fleet } from '../support/fleet.ts';
import { startNats, type NatsServer } from '../support/nats.ts';
import { ovsAvailable } from '../support/ovs.ts';
import { sleep, waitFor } from '../support/ports.ts';

const HOSTS = ['nr-a', 'nr-b', 'nr-c'];
const POLICY = 'nats-restart';
/** services/node-agent/src/bus/daemon.ts OUTBOX_FILE, in each agent's state directory */
const OUTBOX_FILE = 'outbox.jsonl';
const CONVERGE_MS = 30_000;

const T0 = Date.now();
const say = (line: string) => {
  if (process.env.TEST_VERBOSE) console.log(`[${((Date.now() - T0) / 1000).toFixed(1)} s] ${line}`);
};

interface Stored {
  seq: number;
  subject: string;
  event: FleetEvent;
}

/** Every message of a stream, in order; a message that is not a valid event fails the test. */
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

let nats: NatsServer | undefined;
let ctl: RunningController | undefined;
let fleet: Fleet | undefined;
let seqTimer: NodeJS.Timeout | undefined;

test.after(async () => {
  clearInterval(seqTimer);
  if (process.env.FLEET_LOG_DIR && fleet) {
    for (const h of fleet.hosts) writeFileSync(join(process.env.FLEET_LOG_DIR, `${h.name}.log`), h.agent?.output() ?? '');
  }
  await fleet?.stop().catch((e) => console.error('fleet.stop failed:', e));
  await ctl?.stop().catch((e) => console.error('controller stop failed:', e));
  await nats?.stop().catch((e) => console.error('nats stop failed:', e));
});

/** how far the controller's live fold is behind the streams, for failure messages */
const folded = async () => {
  const stored = await lastSeqs(ctl!.bus).then((x) => JSON.stringify(x), (err: Error) => `unknown (${err.message})`);
  return `  the controller has folded ${JSON.stringify(ctl!.projection.state.seq)}; the streams hold ${stored}`;
};

test('nats-server killed and restarted mid-rollout: the fleet converges, nothing is lost, the projection equals a rebuild', async () => {
  const missing = ovsAvailable();
  if (missing) throw new Error(`this test needs Open vSwitch: ${missing}`);
  nats = await startNats();
  ctl = await startController({ servers: [nats.url], logLevel: process.env.TEST_VERBOSE ? 'warn' : 'silent', timeoutCheckMs: 200 });
  fleet = await startFleet({ hosts: HOSTS.map((name) => ({ name, labels: { role: 'nr' } })), natsPorts: [nats.port], controller: false });
  const f = fleet;
  const c = ctl;
  if (process.env.TEST_VERBOSE) {
    let prev = '';
    seqTimer = setInterval(() => {
      const now = JSON.stringify(c.projection.state.seq);
      if (now !== prev) say(`controller folded ${now}`);
      prev = now;
    }, 50);
  }

  // Revision 1 everywhere first: every host then has a version to move on from.
  say('fleet up; applying revision 1');
  await f.applyPolicy(failoverPolicy(POLICY, 'nr', 'br-nr', 9000));
  const rev1 = await waitRevision(f, { policy: POLICY, revision: 1, mtu: 9000, bridge: 'br-nr', timeoutMs: 45_000, diagnose: folded });
  if (rev1) assert.unreachable(`revision 1 (before any outage) did not converge: ${rev1}`);
  const before = Object.fromEntries((await f.hostViews()).map((v) => [v.name, v.desiredVersion]));

  // Revision 2 rolls out one host at a time; the server dies as soon as the first host applies it.
  say('applying revision 2');
  const rev2At = Date.now();
  const applying = await applyUntilFirstApplying(f, failoverPolicy(POLICY, 'nr', 'br-nr', 8000), before);
  await nats.kill();
  const killedAfterMs = Date.now() - rev2At;
  say(`nats-server killed ${killedAfterMs} ms after revision 2; Applying seen: ${JSON.stringify(applying)}`);
  const applyingAtKill = [...new Set(applying.map((a) => a.host))];
  assert.is(applyingAtKill.length, 1, `one host (maxUnavailable 1) had started revision 2 when the server died, got [${applyingAtKill.join(', ')}]`);
  await sleep(3000);
  for (const h of f.hosts) assert.match(h.agent!.output(), /NATS connection lost/, `${h.name}: the agent saw its connection drop`);
  await nats.restart();
  const restartedAt = Date.now();
  say('nats-server restarted');

  // From here on, every check is collected: one failure must not hide the others.
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };

  const rev2 = await waitRevision(f, { policy: POLICY, revision: 2, mtu: 8000, bridge: 'br-nr', timeoutMs: CONVERGE_MS, diagnose: folded });
  const convergedMs = Date.now() - restartedAt;
  say(rev2 ? 'revision 2 did NOT converge' : `converged on revision 2, ${convergedMs} ms after the restart`);
  if (rev2) problems.push(`after the restart, revision 2: ${rev2}`);
  for (const h of f.hosts) {
    check(h.agent!.running, `${h.name}: the agent exited:\n${logTail(h.agent!.output())}`);
    check(/NATS connection back/.test(h.agent!.output()), `${h.name}: the agent never logged "NATS connection back"`);
  }
  if (!rev2) {
    const rollout = (await quickApi(f, 'rollouts.get', { policy: POLICY })).rollout;
    check(rollout.revision === 2 && rollout.state === 'Complete', `rollout of revision 2: revision ${rollout.revision} ${rollout.state} ${JSON.stringify(rollout.counts)}`);
  }

  // One more revision on the restarted server: intake, compile, publish, fold, agents all still work.
  say('applying revision 3');
  await f.applyPolicy(failoverPolicy(POLICY, 'nr', 'br-nr', 7000));
  const rev3 = await waitRevision(f, { policy: POLICY, revision: 3, mtu: 7000, bridge: 'br-nr', timeoutMs: CONVERGE_MS, diagnose: folded });
  say(rev3 ? 'revision 3 did NOT converge' : 'converged on revision 3');
  if (rev3) problems.push(`revision 3, applied after the restart: ${rev3}`);

  // The durable intake also survived the restart: an invalid intent is still answered with a rejection.
  const bad = failoverPolicy('nr-bad', 'nr', 'br-bad', 1500) as unknown as { spec: { desiredState: { interfaces: { mtu: number }[] } } };
  bad.spec.desiredState.interfaces[0]!.mtu = 10;
  const badEvent = makeEvent(EventTypes.policyUpserted, 'fleetnet-test', subjects.intentPolicy('nr-bad'), { policy: bad as unknown as HostNetworkPolicy });
  const rejected = new Promise<string>((resolve) => {
    const sub = f.client.nc.subscribe(subjects.intentRejected, {
      callback: (_e, m) => {
        const p = parseEvent(m.data, [EventTypes.intentRejected]);
        if (p.ok && (p.event.data as { eventId?: string }).eventId === badEvent.id) {
          sub.unsubscribe();
          resolve((p.event.data as { reason: string }).reason);
        }
      },
    });
  });
  await f.client.publishEvent(subjects.intentPolicy('nr-bad'), badEvent);
  const reason = await Promise.race([rejected, sleep(15_000).then(() => undefined)]);
  if (!reason) problems.push('an invalid intent published after the restart was not rejected within 15 s (intake consumer stalled?)');
  else say(`invalid intent after the restart rejected: ${reason}`);

  // Everything the agents queued during the outage was published: their outboxes drain.
  for (const h of f.hosts) {
    const file = join(h.stateDir, OUTBOX_FILE);
    const empty = () => !existsSync(file) || readFileSync(file, 'utf8').trim() === '';
    await waitFor(empty, 10_000, `${h.name}: outbox empty`).catch(() => undefined);
    check(empty(), `${h.name}: ${file} still holds reports:\n${existsSync(file) ? readFileSync(file, 'utf8').slice(0, 1500) : ''}`);
  }

  say('settling');
  await c.settled();
  const live = structuredClone(c.projection.state);
  const desired = await readStream(c.bus, Streams.desired);
  const reports = await readStream(c.bus, Streams.reports);

  for (const h of HOSTS) {
    // FLEETNET_DESIRED: versions 1..N on the host's subject, in order, no gap, nothing lost.
    const mine = desired.filter((m) => m.subject === subjects.desired(h)).map((m) => m.event.data as DesiredPublishedData);
    check(mine.every((d) => d.host === h), `${h}: a desired state for another host on its subject`);
    const versions = mine.map((d) => d.version);
    check(JSON.stringify(versions) === JSON.stringify(mine.map((_, i) => i + 1)), `${h}: desired versions in ${Streams.desired} are [${versions}], want 1..${mine.length}`);
    const last = mine.at(-1);
    check(live.views.hosts[h]?.desiredVersion === last?.version, `${h}: projection says desired v${live.views.hosts[h]?.desiredVersion}, the stream's last is v${last?.version}`);
    check(JSON.stringify(last?.sources) === JSON.stringify([{ policy: POLICY, revision: 3 }]), `${h}: the last desired version's sources are ${JSON.stringify(last?.sources)}, want revision 3`);
    for (const rev of [1, 2, 3]) {
      const n = mine.filter((d) => d.sources.some((s) => s.policy === POLICY && s.revision === rev)).length;
      check(n === 1, `${h}: ${n} desired versions for revision ${rev}, want exactly 1`);
    }
    // FLEETNET_REPORTS: the revision-2 version (cut by the outage) and the final one were applied in sync.
    const syncs = reports.filter((m) => m.subject === subjects.sync(h)).map((m) => m.event.data as SyncReportedData);
    const v2 = mine.find((d) => d.sources.some((s) => s.policy === POLICY && s.revision === 2))?.version;
    for (const v of [v2, last?.version]) {
      check(v !== undefined && syncs.some((s) => s.version === v && s.phase === 'Applying'), `${h}: no Applying report for v${v} in ${Streams.reports}`);
      check(v !== undefined && syncs.some((s) => s.version === v && s.phase === 'Applied' && s.inSync === true), `${h}: no Applied in-sync report for v${v} in ${Streams.reports}`);
    }
  }

  // Reports republished after the outage carry the same event ids and were stored once.
  const seen = new Map<string, number>();
  for (const m of reports) {
    const prev = seen.get(m.event.id);
    check(prev === undefined, `${Streams.reports}: event id ${m.event.id} (${m.subject}) stored twice, at seq ${prev} and ${m.seq}`);
    seen.set(m.event.id, m.seq);
  }

  // The live fold (which went through the outage) equals a rebuild from nothing but the streams.
  const rebuilt = await rebuildFromStreams(c.bus, live.seq);
  const diff = firstDifference(rebuilt, live);
  if (diff) {
    // Which reports one fold counted and the other did not: the usual way for the two to part.
    const lines: string[] = [];
    for (const h of HOSTS) {
      const liveIds = new Set(live.hosts[h]?.seenIds.reports ?? []);
      const rebuiltIds = new Set(rebuilt.hosts[h]?.seenIds.reports ?? []);
      for (const m of reports) {
        if (!m.subject.endsWith(`.${h}`)) continue;
        const inLive = liveIds.has(m.event.id);
        if (inLive === rebuiltIds.has(m.event.id)) continue;
        const d = m.event.data as { version?: number; phase?: string };
        lines.push(`${h}: ${Streams.reports} seq ${m.seq} ${m.event.type} v${d.version ?? '-'} ${d.phase ?? ''} counted by the ${inLive ? 'live fold only' : 'rebuild only'}`);
      }
    }
    problems.push(`the live projection differs from a rebuild from the streams (live seq ${JSON.stringify(live.seq)}), first at ${diff} (rebuilt vs live)\n  ${lines.join('\n  ')}\n  live host views:\n  ${HOSTS.map((h) => `  ${live.views.hosts[h] ? viewLine(live.views.hosts[h]!) : `${h}: none`}`).join('\n  ')}`);
  }

  if (problems.length) assert.unreachable(`${problems.length} problem(s) after the nats-server restart:\n- ${problems.join('\n- ')}`);
  assert.equal(rebuilt, live, 'the whole projection is deep-equal');
  say(`done; converged ${convergedMs} ms after the restart`);
});

test.run();
