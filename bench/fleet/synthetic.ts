/**
 * Fold rate and rebuild time over many events without running a fleet that long: synthetic but
 * valid events (contracts' makeEvent, every one passes parseEvent), in the order a fleet produces
 * them. Hosts say hello and report their state; then, round after round, each host gets desired
 * version N (FLEETNET_DESIRED) and reports sync Applying, sync Applied with per-property results
 * from compare(), and its new state (FLEETNET_REPORTS). One policy upsert opens the intent stream.
 * Heartbeats are core NATS and never stored, so they are not part of a fold or a rebuild.
 *
 * Measured twice: the pure fold (the controller's Projector.apply + one flush of the views, in
 * memory, over exactly these events), and rebuildFromStreams over the same events published into
 * the streams of a fresh nats-server.
 */
import {
  compare, contentHash, encodeEvent, EventTypes, makeEvent, subjects, Streams,
  type FleetEvent, type NetworkState,
} from '@fleetnet/contracts';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { ensureStreams, Projector, rebuildFromStreams, type FoldInput, type StreamKey } from '@fleetnet/controller';
import { SimHost } from '@fleetnet/sim';
import { startNats } from '../../test/support/nats.ts';
import { benchPolicy } from './run.ts';

export interface SyntheticResult {
  events: number;
  hosts: number;
  byStream: Record<StreamKey, number>;
  bytes: number;
  fold: { s: number; eventsPerS: number; hostsInProjection: number };
  publish: { s: number };
  rebuild: { s: number; eventsPerS: number; equalToFold: boolean };
}

interface Gen {
  stream: StreamKey;
  subject: string;
  data: Uint8Array;
}

const STREAM_NAME: Record<StreamKey, string> = { intent: Streams.intent, desired: Streams.desired, reports: Streams.reports };

/** Hosts for `total` events: ~100 events per host, at most 10,000 hosts. */
export const syntheticHosts = (total: number) => Math.max(1, Math.min(10_000, Math.floor(total / 100)));

/** The events in publish order; exactly `total` of them. */
export function* syntheticEvents(total: number, hosts = syntheticHosts(total)): Generator<Gen> {
  let n = 0;
  const name = (i: number) => `syn-${String(i).padStart(5, '0')}`;
  const emit = (stream: StreamKey, subject: string, ev: FleetEvent): Gen => ({ stream, subject, data: encodeEvent(ev) });
  const policy = benchPolicy(1, '100%');
  policy.metadata.name = 'synthetic';
  if (n++ < total) yield emit('intent', subjects.intentPolicy('synthetic'), makeEvent(EventTypes.policyUpserted, 'bench', subjects.intentPolicy('synthetic'), { policy }));
  // one simulated host stands for all of them: its actual state is what every report carries
  const sim = new SimHost(1);
  const base = sim.read();
  for (let h = 0; h < hosts && n < total; h++) {
    const host = name(h);
    const src = `fleetnet-agent/${host}`;
    yield emit('reports', subjects.hello(host), makeEvent(EventTypes.hello, src, subjects.hello(host), {
      host, agentVersion: 'synthetic', labels: { bench: 'fleet', rack: `r${h % 20}` }, appliedVersion: 0,
      facts: { nics: sim.nics.map((x) => ({ ...x })), kernel: { release: '6.1.0-sim', capabilities: { bond: true, vlan: true, dummy: true, macvlan: true, vxlan: true, ovs: true } } },
    }));
    if (++n >= total) return;
    yield emit('reports', subjects.state(host), makeEvent(EventTypes.stateReported, src, subjects.state(host), { host, state: base }));
    if (++n >= total) return;
  }
  for (let version = 1; n < total; version++) {
    const state: NetworkState = { interfaces: [{ name: 'eth1', state: 'up', mtu: 9000 + (version % 100) }] };
    const actual: NetworkState = { ...base, interfaces: base.interfaces!.map((i) => (i.name === 'eth1' ? { ...i, state: 'up', mtu: 9000 + (version % 100) } : i)) };
    const results = compare(state, actual).results;
    const hash = contentHash({ state, probes: null, enforce: null });
    for (let h = 0; h < hosts && n < total; h++) {
      const host = name(h);
      const src = `fleetnet-agent/${host}`;
      yield emit('desired', subjects.desired(host), makeEvent(EventTypes.desiredPublished, 'bench-controller', subjects.desired(host), {
        host, version, state, contentHash: hash, sources: [{ policy: 'synthetic', revision: version }], reason: `policies synthetic@${version}`,
      }));
      if (++n >= total) return;
      yield emit('reports', subjects.sync(host), makeEvent(EventTypes.syncReported, src, subjects.sync(host), { host, version, phase: 'Applying', attempt: 1 }));
      if (++n >= total) return;
      yield emit('reports', subjects.sync(host), makeEvent(EventTypes.syncReported, src, subjects.sync(host), {
        host, version, phase: 'Applied', inSync: true, results, attempt: 1, operations: ['sim: set eth1 mtu'],
        timings: { readMs: 0.1, planMs: 0.1, applyMs: 0.1, verifyMs: 0.1, probeMs: 0, totalMs: 0.4 },
      }));
      if (++n >= total) return;
      yield emit('reports', subjects.state(host), makeEvent(EventTypes.stateReported, src, subjects.state(host), { host, state: actual, appliedVersion: version }));
      if (++n >= total) return;
    }
  }
}

export async function runSynthetic(total: number, log: (m: string) => void): Promise<SyntheticResult> {
  const hosts = syntheticHosts(total);
  const l = (m: string) => log(`[synthetic ${total}] ${m}`);

  // ---- pure fold, in memory ------------------------------------------------------------------
  l(`pure fold of ${total} events over ${hosts} hosts`);
  let p: Projector | undefined = new Projector();
  const seq: Record<StreamKey, number> = { intent: 0, desired: 0, reports: 0 };
  const t0 = Date.now();
  let foldMs = 0;
  let bytes = 0;
  let chunk: FoldInput[] = [];
  const foldChunk = () => {
    const s = performance.now();
    for (const m of chunk) p!.apply(m);
    foldMs += performance.now() - s;
    chunk = [];
  };
  let i = 0;
  let lastLog = Date.now();
  for (const g of syntheticEvents(total, hosts)) {
    bytes += g.data.length;
    // server store times: one event per 10 µs, in publish order (a sync is stored after its desired version)
    chunk.push({ stream: g.stream, seq: ++seq[g.stream], subject: g.subject, data: g.data, storedMs: t0 + Math.floor(i++ / 100) });
    if (chunk.length >= 5000) foldChunk();
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      l(`folded ${i}/${total}`);
    }
  }
  foldChunk();
  const fs = performance.now();
  p.flush();
  foldMs += performance.now() - fs;
  // what the fold decided per host, for the comparison with the rebuild; the projection itself is
  // dropped so that the rebuild below does not run with the fold's heap still alive
  const folded = new Map(Object.entries(p.state.views.hosts).map(([h, v]) => [h, `${v.phase}/${v.desiredVersion}/${v.appliedVersion}`]));
  const hostsInProjection = Object.keys(p.state.hosts).length;
  p = undefined;
  const foldS = foldMs / 1000;
  l(`pure fold: ${total} events in ${foldS.toFixed(2)} s (${Math.round(total / foldS)} events/s)`);

  // ---- the same events through a nats-server, then a rebuild ---------------------------------
  const nats = await startNats();
  const nc = await connect({ servers: nats.url, name: 'bench-fleet-synthetic' });
  try {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const bus = { nc, js, jsm };
    await ensureStreams(bus, 1);
    l(`publishing ${total} events into the streams`);
    const tp = performance.now();
    let k = 0;
    lastLog = Date.now();
    // core publishes to the streams' subjects (JetStream stores them); a flush every 2,000 keeps the pace
    for (const g of syntheticEvents(total, hosts)) {
      nc.publish(g.subject, g.data);
      if (++k % 2000 === 0) await nc.flush();
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        l(`published ${k}/${total}`);
      }
    }
    await nc.flush();
    const want = { ...seq };
    for (let tries = 0; ; tries++) {
      const have = { intent: 0, desired: 0, reports: 0 };
      for (const key of Object.keys(have) as StreamKey[]) have[key] = (await jsm.streams.info(STREAM_NAME[key])).state.messages;
      if ((Object.keys(have) as StreamKey[]).every((key) => have[key] === want[key])) break;
      if (tries > 600) throw new Error(`streams hold ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const publishS = (performance.now() - tp) / 1000;
    l(`published in ${publishS.toFixed(1)} s; rebuilding from the streams`);
    const tr = performance.now();
    const rebuilt = await rebuildFromStreams(bus);
    const rebuildS = (performance.now() - tr) / 1000;
    // same facts as the in-memory fold (store times differ: compare what they decide)
    let equal = Object.keys(rebuilt.hosts).length === hostsInProjection;
    for (const [h, v] of folded) {
      const r = rebuilt.views.hosts[h];
      if (!r || `${r.phase}/${r.desiredVersion}/${r.appliedVersion}` !== v) equal = false;
    }
    l(`rebuild: ${total} events in ${rebuildS.toFixed(2)} s (${Math.round(total / rebuildS)} events/s)${equal ? '' : '; DIFFERS from the in-memory fold'}`);
    return {
      events: total, hosts, byStream: seq, bytes,
      fold: { s: foldS, eventsPerS: total / foldS, hostsInProjection },
      publish: { s: publishS },
      rebuild: { s: rebuildS, eventsPerS: total / rebuildS, equalToFold: equal },
    };
  } finally {
    await nc.drain().catch(() => undefined);
    await nats.stop();
  }
}
