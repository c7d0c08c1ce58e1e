/**
 * One fleet size: nats-server + controller (child process) + sim agents in worker processes,
 * a policy over every host, then a second revision paced by maxUnavailable 10%, then a rebuild
 * of the projection from the streams this run wrote.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import {
  encodeEvent, EventTypes, KvBuckets, makeEvent, Streams, subjects,
  type HostNetworkPolicy, type HostView, type NetworkState,
} from '@fleetnet/contracts';
import { rebuildFromStreams } from '@fleetnet/controller';
import { startNats, type NatsServer } from '../../test/support/nats.ts';
import { killPid, onExit } from '../../test/support/cleanup.ts';
import type { Proc } from '../../test/support/proc.ts';
import { startControllerChild } from './controller.ts';
import { cpuSeconds, statusMb } from './proc.ts';
import type { WorkerStart, WorkerStats } from './worker.ts';

export interface RunOptions {
  size: number;
  workers: number;
  heartbeatMs: number;
  executeDelayMs: number;
  phaseTimeoutS: number;
  maxPayload?: number;
  profileDir?: string;
  log: (msg: string) => void;
}

export interface Latency {
  hosts: number;
  converged: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** intent published → last host Applied, seconds */
  fleetS: number;
}

export interface RunResult {
  size: number;
  workers: number;
  /** client connections on the server while the fleet ran (controller + bench + workers) */
  connections: number;
  connectionsDetail: string;
  registrationS: number;
  rollout: Latency & { stages: Stages };
  paced: Latency & { stages: Stages; maxUnavailable: number; maxApplying: number };
  controller: { cpuS: number; cpuByPhase: Record<string, number>; peakRssMb: number; problems: number; firstProblems: string[] };
  rebuild: { events: number; s: number; eventsPerS: number; matchesLive: boolean; mismatches: string[] };
  workerStats: WorkerStats[];
  /** nats-server user+sys seconds over the same span as controller.cpuS */
  natsServerCpuS: number;
  /** the API's answer about the rollout at this size (it must fit in one NATS message) */
  rolloutApi: RolloutApiCheck;
  converged: boolean;
}

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
export const HOST_PREFIX = 'sim-';
const POLICY = 'bench-fleet';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function desiredState(revision: number): NetworkState {
  return {
    interfaces: [
      { name: 'eth1', type: 'ethernet', state: 'up', mtu: revision === 1 ? 9000 : 9216 },
      { name: 'br-data', type: 'linux-bridge', state: 'up', bridge: { options: { stp: { enabled: false } }, port: [{ name: 'eth3' }] }, ipv4: { enabled: false } },
      { name: 'eth3', state: 'up' },
    ],
    routes: {
      config: [
        { destination: '172.16.0.0/12', 'next-hop-address': '10.0.0.254', 'next-hop-interface': 'eth0' },
        ...(revision > 1 ? [{ destination: '192.168.0.0/16', 'next-hop-address': '10.0.0.254', 'next-hop-interface': 'eth0' }] : []),
      ],
    },
    'dns-resolver': { config: { server: ['10.0.0.53', '10.0.0.54'], search: ['sim.example'] } },
  };
}

export function benchPolicy(revision: number, maxUnavailable: string): HostNetworkPolicy {
  return {
    apiVersion: 'fleetnet.io/v1',
    kind: 'HostNetworkPolicy',
    metadata: { name: POLICY, labels: { bench: 'fleet' } },
    spec: {
      hostSelector: { matchLabels: { bench: 'fleet' } },
      desiredState: desiredState(revision),
      rollout: { maxUnavailable, failureThreshold: 1 },
      probes: { gateway: false },
    },
  };
}

/** Host views as the projection publishes them (KV bucket fleetnet_hosts), watched live. */
class ViewWatch {
  readonly views = new Map<string, Pick<HostView, 'phase' | 'desiredVersion' | 'appliedVersion' | 'sources' | 'registeredAt'>>();
  private targets: { policy: string; revision: number; seen: Map<string, number> }[] = [];
  private stopFn?: () => void;

  async start(js: JetStreamClient) {
    const kv = await new Kvm(js).open(KvBuckets.hosts);
    const it = await kv.watch();
    this.stopFn = () => it.stop();
    void (async () => {
      for await (const e of it) {
        if (e.operation !== 'PUT') {
          this.views.delete(e.key);
          continue;
        }
        const now = Date.now();
        const v = e.json<HostView>();
        this.views.set(e.key, { phase: v.phase, desiredVersion: v.desiredVersion, appliedVersion: v.appliedVersion, sources: v.sources, registeredAt: v.registeredAt });
        for (const t of this.targets) {
          if (!t.seen.has(e.key) && v.phase === 'Applied' && v.sources.some((s) => s.policy === t.policy && s.revision === t.revision)) t.seen.set(e.key, now);
        }
      }
    })();
  }

  /** from now on, note when each host first shows `policy@revision` Applied */
  target(policy: string, revision: number): Map<string, number> {
    const seen = new Map<string, number>();
    this.targets.push({ policy, revision, seen });
    return seen;
  }

  stop() {
    this.stopFn?.();
  }
}

interface WorkerHandle {
  child: ChildProcess;
  started: Promise<{ hosts: number; ms: number }>;
  request(m: unknown, reply: string): Promise<any>;
}

function startWorker(i: number, start: Omit<WorkerStart, 'type' | 'worker'>): WorkerHandle {
  const child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const remove = onExit(`bench-worker-${child.pid}`, () => killPid(child.pid, 'SIGKILL'));
  child.once('exit', () => remove());
  const waiters = new Map<string, ((m: any) => void)[]>();
  let failed: ((e: Error) => void) | undefined;
  child.on('message', (m: any) => {
    if (m?.type === 'error') failed?.(new Error(`worker ${i}: ${m.message}`));
    const list = waiters.get(m?.type);
    const w = list?.shift();
    w?.(m);
  });
  const request = (m: unknown, reply: string) => new Promise<any>((resolve) => {
    waiters.set(reply, [...(waiters.get(reply) ?? []), resolve]);
    child.send(m as object);
  });
  const started = new Promise<{ hosts: number; ms: number }>((resolve, reject) => {
    failed = reject;
    child.once('exit', (code) => reject(new Error(`worker ${i} exited with ${code} before starting`)));
    void request({ type: 'start', worker: i, ...start }, 'started').then(resolve);
  });
  return { child, started, request };
}

async function stopWorker(w: WorkerHandle) {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  const exited = new Promise((r) => w.child.once('exit', r));
  w.child.send({ type: 'stop' });
  const t = setTimeout(() => killPid(w.child.pid, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

async function varz(nats: NatsServer): Promise<{ connections: number }> {
  return (await fetch(`http://127.0.0.1:${nats.monitorPort}/varz`)).json() as Promise<{ connections: number }>;
}

/** Waits until `seen` holds every host or the deadline passes; logs progress. */
async function converge(seen: Map<string, number>, hosts: number, t0: number, timeoutS: number, what: string, log: (m: string) => void): Promise<Latency> {
  const deadline = t0 + timeoutS * 1000;
  let lastLog = Date.now();
  while (seen.size < hosts && Date.now() < deadline) {
    await sleep(20);
    if (Date.now() - lastLog > 2000) {
      lastLog = Date.now();
      log(`${what}: ${seen.size}/${hosts} hosts Applied after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  }
  const lat = [...seen.values()].map((t) => (t - t0) / 1000).sort((a, b) => a - b);
  return {
    hosts, converged: seen.size,
    p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99), max: lat[lat.length - 1] ?? NaN,
    fleetS: seen.size === hosts ? lat[lat.length - 1]! : NaN,
  };
}

async function publishPolicy(js: JetStreamClient, p: HostNetworkPolicy): Promise<number> {
  const subject = subjects.intentPolicy(p.metadata.name);
  const ev = makeEvent(EventTypes.policyUpserted, 'bench-fleet', subject, { policy: p });
  const t0 = Date.now();
  await js.publish(subject, encodeEvent(ev), { msgID: ev.id });
  return t0;
}

/** Every message of a stream (optionally one subject filter), in order. */
async function readStream(js: JetStreamClient, jsm: JetStreamManager, stream: string, filter: string | undefined, each: (subject: string, data: Uint8Array, storedMs: number) => void) {
  const last = (await jsm.streams.info(stream)).state.last_seq;
  if (!last) return;
  const c = await js.consumers.get(stream, filter ? { filter_subjects: filter } : {});
  const iter = await c.consume({ max_messages: 1000 });
  try {
    for await (const m of iter) {
      each(m.subject, m.data, m.info.timestampNanos / 1e6);
      if (m.info.pending === 0 || m.seq >= last) break;
    }
  } finally {
    await iter.close().catch(() => undefined);
  }
}

/** Where the time of one rollout went, in seconds after the intent was published (server store times). */
export interface Stages {
  /** desired versions carrying the revision stored: first, median, last */
  desiredFirst: number;
  desiredP50: number;
  desiredLast: number;
  /** final syncs (Applied) for those versions stored: median, last */
  appliedP50: number;
  appliedLast: number;
  /** most hosts between their desired version stored and their final sync stored */
  maxApplying: number;
}

/**
 * From the streams' own timestamps: when each host's desired version for `policy@revision` was
 * stored, and when its final sync for it was stored. Hosts "applying" at once are those in
 * between — what maxUnavailable bounds.
 */
async function stages(js: JetStreamClient, jsm: JetStreamManager, revision: number, t0: number): Promise<Stages> {
  const start = new Map<string, { version: number; ms: number }>();
  const dec = new TextDecoder();
  await readStream(js, jsm, Streams.desired, undefined, (_s, data, ms) => {
    const ev = JSON.parse(dec.decode(data)) as { data: { host: string; version: number; sources: { policy: string; revision: number }[] } };
    if (!start.has(ev.data.host) && ev.data.sources.some((s) => s.policy === POLICY && s.revision === revision)) start.set(ev.data.host, { version: ev.data.version, ms });
  });
  const end = new Map<string, number>();
  await readStream(js, jsm, Streams.reports, 'fleetnet.sync.*', (_s, data, ms) => {
    const ev = JSON.parse(dec.decode(data)) as { data: { host: string; version: number; phase: string } };
    const s = start.get(ev.data.host);
    if (s && ev.data.version >= s.version && ev.data.phase !== 'Applying' && !end.has(ev.data.host)) end.set(ev.data.host, ms);
  });
  const edges: [number, number][] = [];
  for (const [h, s] of start) {
    edges.push([s.ms, 1]);
    edges.push([end.get(h) ?? Infinity, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  const rel = (xs: number[]) => xs.map((x) => (x - t0) / 1000).sort((a, b) => a - b);
  const d = rel([...start.values()].map((x) => x.ms));
  const e = rel([...end.values()]);
  return {
    desiredFirst: d[0] ?? NaN, desiredP50: percentile(d, 50), desiredLast: d[d.length - 1] ?? NaN,
    appliedP50: percentile(e, 50), appliedLast: e[e.length - 1] ?? NaN, maxApplying: max,
  };
}

export interface RolloutApiCheck {
  ms: number;
  bytes: number;
  error?: string;
  state?: string;
  total?: number;
  hostsListed?: number;
}

async function rolloutsGet(nc: NatsConnection): Promise<RolloutApiCheck> {
  const t = Date.now();
  try {
    const m = await nc.request(subjects.api('rollouts.get'), JSON.stringify({ policy: POLICY }), { timeout: 15_000 });
    const body = m.json<{ rollout?: { state: string; counts: { total: number }; hosts: Record<string, unknown> }; error?: { code: string; message: string } }>();
    if (body.error) return { ms: Date.now() - t, bytes: m.data.length, error: `${body.error.code}: ${body.error.message}` };
    return { ms: Date.now() - t, bytes: m.data.length, state: body.rollout!.state, total: body.rollout!.counts.total, hostsListed: Object.keys(body.rollout!.hosts).length };
  } catch (e) {
    return { ms: Date.now() - t, bytes: 0, error: (e as Error).message };
  }
}

const showStages = (s: Stages) =>
  `desired stored ${s.desiredFirst.toFixed(2)}..${s.desiredLast.toFixed(2)} s (p50 ${s.desiredP50.toFixed(2)}), Applied stored p50 ${s.appliedP50.toFixed(2)} / last ${s.appliedLast.toFixed(2)} s`;

export async function runFleet(o: RunOptions): Promise<RunResult> {
  const log = (m: string) => o.log(`[fleet ${o.size}] ${m}`);
  const config = o.maxPayload ? `max_payload: ${o.maxPayload}\n` : undefined;
  const nats = await startNats(config ? { config } : {});
  let ctl: Proc | undefined;
  let nc: NatsConnection | undefined;
  const workers: WorkerHandle[] = [];
  const watch = new ViewWatch();
  try {
    log(`nats-server on ${nats.url}; starting the controller`);
    ctl = await startControllerChild(nats.url, o.profileDir ? { profileDir: o.profileDir } : {});
    const cpu0 = cpuSeconds(ctl.pid)!;
    const natsCpu0 = cpuSeconds(nats.pid) ?? NaN;
    nc = await connect({ servers: nats.url, name: 'bench-fleet-main', noAsyncTraces: true });
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    await watch.start(js);

    // ---- register the fleet ----------------------------------------------------------------
    const tReg = Date.now();
    const per = Math.ceil(o.size / o.workers);
    for (let i = 0; i < o.workers; i++) {
      const from = i * per;
      const count = Math.min(per, o.size - from);
      if (count <= 0) break;
      workers.push(startWorker(i, {
        url: nats.url, prefix: HOST_PREFIX, from, count, racks: 20, heartbeatMs: o.heartbeatMs,
        executeDelayMs: o.executeDelayMs, concurrency: 200,
      }));
    }
    log(`${workers.length} worker processes starting ${o.size} sim hosts`);
    await Promise.all(workers.map((w) => w.started));
    let lastLog = Date.now();
    const registered = () => [...watch.views.values()].filter((v) => v.registeredAt).length;
    for (let n = registered(); n < o.size; n = registered()) {
      if (Date.now() - tReg > o.phaseTimeoutS * 1000) {
        throw new Error(`only ${n}/${o.size} hosts registered within ${o.phaseTimeoutS} s; controller said: ${ctl.problems().slice(0, 3).join(' | ') || 'nothing'}`);
      }
      if (Date.now() - lastLog > 2000) {
        lastLog = Date.now();
        const reports = (await jsm.streams.info(Streams.reports)).state.messages;
        log(`registering: ${n}/${o.size} hosts in the projection; ${reports} reports stored; controller CPU ${(cpuSeconds(ctl.pid)! - cpu0).toFixed(1)} s`);
      }
      await sleep(50);
    }
    const registrationS = (Date.now() - tReg) / 1000;
    const z = await varz(nats);
    const connections = z.connections;
    const connectionsDetail = `${connections} = 1 controller + 1 bench + ${workers.length} workers (${Math.ceil(o.size / workers.length)} hosts per connection)`;
    log(`registered in ${registrationS.toFixed(1)} s; ${connectionsDetail}`);
    const cpu1 = cpuSeconds(ctl.pid)!;

    // ---- revision 1 to every host at once --------------------------------------------------
    const seen1 = watch.target(POLICY, 1);
    const t1 = await publishPolicy(js, benchPolicy(1, '100%'));
    const rollout = await converge(seen1, o.size, t1, o.phaseTimeoutS, 'revision 1 (maxUnavailable 100%)', log);
    const cpu2 = cpuSeconds(ctl.pid)!;
    const stages1 = await stages(js, jsm, 1, t1);
    log(`revision 1: ${rollout.converged}/${o.size} Applied; p99 ${rollout.p99.toFixed(2)} s, fleet ${rollout.fleetS.toFixed(2)} s; ${showStages(stages1)}`);

    // ---- revision 2 paced by maxUnavailable 10% -------------------------------------------
    const seen2 = watch.target(POLICY, 2);
    const t2 = await publishPolicy(js, benchPolicy(2, '10%'));
    const paced = await converge(seen2, o.size, t2, o.phaseTimeoutS, 'revision 2 (maxUnavailable 10%)', log);
    const cpu3 = cpuSeconds(ctl.pid)!;
    const natsCpu = (cpuSeconds(nats.pid) ?? NaN) - natsCpu0;
    const peakRssMb = statusMb(ctl.pid, 'VmHWM') ?? NaN;
    const stages2 = await stages(js, jsm, 2, t2);
    log(`revision 2: ${paced.converged}/${o.size} Applied in ${paced.fleetS.toFixed(2)} s; at most ${stages2.maxApplying} applying at once (maxUnavailable ${Math.ceil(o.size / 10)}); ${showStages(stages2)}`);
    const workerStats = await Promise.all(workers.map((w) => w.request({ type: 'stats' }, 'stats') as Promise<WorkerStats>));
    const rolloutApi = await rolloutsGet(nc);
    log(`rollouts.get ${POLICY}: ${rolloutApi.error ? `error ${rolloutApi.error}` : `${rolloutApi.bytes} bytes in ${rolloutApi.ms} ms, state ${rolloutApi.state}, ${rolloutApi.hostsListed} of ${rolloutApi.total} hosts listed`}`);

    // ---- rebuild from the streams this run wrote ------------------------------------------
    // (fleet and controller stopped first: the rebuild has the machine to itself)
    watch.stop();
    await sleep(300);
    const finalViews = new Map(watch.views);
    await Promise.all(workers.splice(0).map((w) => stopWorker(w).catch(() => undefined)));
    const cpuEnd = cpuSeconds(ctl.pid)!;
    await ctl.stop('SIGTERM', 15_000);
    const tb = performance.now();
    const rebuilt = await rebuildFromStreams({ nc, js, jsm });
    const rebuildS = (performance.now() - tb) / 1000;
    const events = rebuilt.seq.intent + rebuilt.seq.desired + rebuilt.seq.reports;
    const mismatches: string[] = [];
    for (const [h, v] of finalViews) {
      const r = rebuilt.views.hosts[h];
      if (!r || r.phase !== v.phase || r.desiredVersion !== v.desiredVersion || r.appliedVersion !== v.appliedVersion) {
        if (mismatches.length < 5) mismatches.push(`${h}: live ${v.phase} v${v.desiredVersion}/${v.appliedVersion}, rebuilt ${r?.phase} v${r?.desiredVersion}/${r?.appliedVersion}`);
        else mismatches.push('');
      }
    }
    log(`rebuild: ${events} events in ${rebuildS.toFixed(2)} s (${Math.round(events / rebuildS)} events/s); ${mismatches.length ? `${mismatches.length} hosts differ from the live projection` : 'equal to the live projection'}`);
    return {
      size: o.size,
      workers: workers.length,
      connections,
      connectionsDetail,
      registrationS,
      rollout: { ...rollout, stages: stages1 },
      paced: { ...paced, stages: stages2, maxUnavailable: Math.ceil(o.size / 10), maxApplying: stages2.maxApplying },
      controller: {
        cpuS: cpu3 - cpu0,
        cpuByPhase: { registration: cpu1 - cpu0, revision1: cpu2 - cpu1, revision2: cpu3 - cpu2, afterwards: cpuEnd - cpu3 },
        peakRssMb,
        problems: ctl.problems().length,
        firstProblems: ctl.problems().slice(0, 5),
      },
      rebuild: { events, s: rebuildS, eventsPerS: events / rebuildS, matchesLive: mismatches.length === 0, mismatches: mismatches.filter(Boolean) },
      workerStats,
      natsServerCpuS: natsCpu,
      rolloutApi,
      converged: rollout.converged === o.size && paced.converged === o.size,
    };
  } finally {
    watch.stop();
    await Promise.all(workers.map((w) => stopWorker(w).catch(() => undefined)));
    await nc?.drain().catch(() => undefined);
    await ctl?.stop().catch(() => undefined);
    await nats.stop();
  }
}
