/**
 * One worker process of the fleet benchmark: a slice of the simulated hosts on ONE NATS connection.
 * Driven by its parent over the IPC channel (child_process.fork):
 *   parent → { type: 'start', ... }   child → { type: 'started', hosts, ms }
 *   parent → { type: 'stats' }        child → { type: 'stats', ... }
 *   parent → { type: 'stop' }         child → { type: 'stopped' } and exits
 * It exits by itself when the parent goes away (IPC channel closed).
 */
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import type { SyncReportedData } from '@fleetnet/contracts';
import { SimAgent } from '@fleetnet/sim';

export interface WorkerStart {
  type: 'start';
  worker: number;
  url: string;
  prefix: string;
  /** host numbers [from, from + count) */
  from: number;
  count: number;
  racks: number;
  heartbeatMs: number;
  executeDelayMs: number;
  /** hosts started at once */
  concurrency: number;
}

export interface WorkerStats {
  type: 'stats';
  worker: number;
  hosts: number;
  published: number;
  syncs: Record<string, number>;
  rssMb: number;
  cpuS: number;
}

type FromParent = WorkerStart | { type: 'stats' } | { type: 'stop' };

const send = (m: unknown) => process.send?.(m);

let agents: SimAgent[] = [];
let cfg: WorkerStart | undefined;
const syncs: Record<string, number> = {};
let hbTimer: NodeJS.Timeout | undefined;
let close: (() => Promise<void>) | undefined;

async function start(c: WorkerStart) {
  cfg = c;
  const t0 = Date.now();
  const nc = await connect({ servers: c.url, name: `bench-fleet-worker-${c.worker}`, maxReconnectAttempts: -1, pingInterval: 20_000, noAsyncTraces: true });
  const js = jetstream(nc, { timeout: 10_000 });
  close = async () => {
    await nc.drain().catch(() => nc.close());
  };
  const onSync = (_h: string, d: SyncReportedData) => {
    syncs[d.phase] = (syncs[d.phase] ?? 0) + 1;
  };
  for (let i = 0; i < c.count; i++) {
    const index = c.from + i;
    agents.push(new SimAgent({
      host: `${c.prefix}${String(index).padStart(5, '0')}`, index, nc, js, onSync,
      labels: { bench: 'fleet', rack: `r${String(index % c.racks).padStart(2, '0')}` },
      executeDelayMs: c.executeDelayMs,
    }));
  }
  // start in bounded batches: hello + state + direct get per host
  const queue = [...agents];
  await Promise.all(Array.from({ length: Math.min(c.concurrency, queue.length) }, async () => {
    for (let a = queue.shift(); a; a = queue.shift()) await a.start();
  }));
  // heartbeats spread evenly over the interval: every 100 ms, the next slice of hosts
  const slices = Math.max(1, Math.round(c.heartbeatMs / 100));
  let slice = 0;
  hbTimer = setInterval(() => {
    for (let i = slice; i < agents.length; i += slices) agents[i]!.heartbeat();
    slice = (slice + 1) % slices;
  }, 100);
  send({ type: 'started', worker: c.worker, hosts: agents.length, ms: Date.now() - t0 });
}

function stats(): WorkerStats {
  const u = process.cpuUsage();
  return {
    type: 'stats', worker: cfg?.worker ?? -1, hosts: agents.length,
    published: agents.reduce((n, a) => n + a.published, 0), syncs: { ...syncs },
    rssMb: Math.round(process.memoryUsage().rss / 1e6), cpuS: (u.user + u.system) / 1e6,
  };
}

async function stop() {
  clearInterval(hbTimer);
  await Promise.all(agents.map((a) => a.stop()));
  agents = [];
  await close?.();
  send({ type: 'stopped', worker: cfg?.worker ?? -1 });
  process.disconnect?.();
  process.exit(0);
}

process.on('message', (m: FromParent) => {
  if (m.type === 'start') start(m).catch((e) => {
    send({ type: 'error', worker: m.worker, message: (e as Error).stack ?? String(e) });
    process.exit(1);
  });
  else if (m.type === 'stats') send(stats());
  else if (m.type === 'stop') void stop();
});
// the parent is gone (crash, Ctrl-C): nothing of ours should outlive it
process.on('disconnect', () => process.exit(0));
process.on('SIGINT', () => undefined);
