import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import pino from 'pino';
import {
  encodeEvent, EventTypes, makeEvent, parseEvent, Streams, subjects,
  type ApiMethod, type ApiRequest, type ApiResponse, type ApiError, type DesiredPublishedData, type FleetEvent,
  type HostNetworkPolicy, type Labels, type Nic, type NetworkState, type SyncPhase,
} from '@fleetnet/contracts';
import { startController, type RunningController } from '../src/index.ts';
import { killPid, onExit } from '../../../test/support/cleanup.ts';
import { waitFor } from '../../../test/support/ports.ts';

export { startNats, type NatsServer } from '../../../test/support/nats.ts';
export { waitFor, sleep } from '../../../test/support/ports.ts';

export interface Client {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  close(): Promise<void>;
}

export async function client(url: string): Promise<Client> {
  const nc = await connect({ servers: url });
  return { nc, js: jetstream(nc), jsm: await jetstreamManager(nc), close: () => nc.drain() };
}

export const quietLog = () => pino({ level: process.env.TEST_VERBOSE ? 'info' : 'silent' });

export function controller(url: string, extra: Parameters<typeof startController>[0] = {}): Promise<RunningController> {
  return startController({ servers: [url], logger: quietLog(), timeoutCheckMs: 200, ...extra });
}

export function policy(name: string, spec: Partial<HostNetworkPolicy['spec']> & { desiredState?: NetworkState }, labels?: Labels): HostNetworkPolicy {
  return {
    apiVersion: 'fleetnet.io/v1',
    kind: 'HostNetworkPolicy',
    metadata: labels ? { name, labels } : { name },
    spec: { desiredState: {}, ...spec } as HostNetworkPolicy['spec'],
  };
}

export async function upsertPolicy(c: Client, p: HostNetworkPolicy): Promise<number> {
  const subject = subjects.intentPolicy(p.metadata.name);
  const ev = makeEvent(EventTypes.policyUpserted, 'test', subject, { policy: p });
  return (await c.js.publish(subject, encodeEvent(ev), { msgID: ev.id })).seq;
}

export async function deletePolicy(c: Client, name: string): Promise<number> {
  const subject = subjects.intentPolicy(name);
  const ev = makeEvent(EventTypes.policyDeleted, 'test', subject, { name });
  return (await c.js.publish(subject, encodeEvent(ev), { msgID: ev.id })).seq;
}

export async function labelHost(c: Client, host: string, set: Labels, remove?: string[]): Promise<void> {
  const subject = subjects.intentHost(host);
  const ev = makeEvent(EventTypes.hostLabeled, 'test', subject, { host, set, ...(remove ? { remove } : {}) });
  await c.js.publish(subject, encodeEvent(ev), { msgID: ev.id });
}

export const facts = (nics: Nic[] = [{ name: 'eth0', pciAddress: '0000:00:03.0', vendorId: '8086', deviceId: '1572' }]) => ({
  nics, kernel: { release: '6.1.0', capabilities: { bond: false, vlan: false, dummy: false, macvlan: true, vxlan: true, ovs: true } },
});

export async function hello(c: Client, host: string, labels: Labels, nics?: Nic[]): Promise<void> {
  const ev = makeEvent(EventTypes.hello, `agent/${host}`, subjects.hello(host), { host, agentVersion: 'test', labels, facts: facts(nics) });
  await c.js.publish(subjects.hello(host), encodeEvent(ev), { msgID: ev.id });
}

export async function sync(c: Client, host: string, version: number, phase: SyncPhase, message?: string): Promise<void> {
  const ev = makeEvent(EventTypes.syncReported, `agent/${host}`, subjects.sync(host), {
    host, version, phase, inSync: phase === 'Applied', ...(message ? { error: { message } } : {}),
  });
  await c.js.publish(subjects.sync(host), encodeEvent(ev), { msgID: ev.id });
}

export type Behaviour = (host: string, version: number) => SyncPhase | 'silent';

/**
 * Test agents: each watches its own desired subject (core subscription, as real agents do) and
 * answers with a final sync after a short delay, as `behaviour` says.
 */
export function agents(c: Client, behaviour: Behaviour, delayMs = 30): { stop(): void } {
  const sub = c.nc.subscribe('fleetnet.desired.*', {
    callback: (_e, m) => {
      const p = parseEvent(m.data, [EventTypes.desiredPublished]);
      if (!p.ok) return;
      const d = p.event.data as DesiredPublishedData;
      const phase = behaviour(d.host, d.version);
      if (phase === 'silent') return;
      setTimeout(() => void sync(c, d.host, d.version, phase, phase === 'Applied' ? undefined : `probe gateway failed on ${d.host}`).catch(() => undefined), delayMs);
    },
  });
  return { stop: () => sub.unsubscribe() };
}

export async function api<M extends ApiMethod>(c: Client, method: M, req: ApiRequest<M> | unknown): Promise<ApiResponse<M> & Partial<ApiError>> {
  const r = await c.nc.request(subjects.api(method), JSON.stringify(req), { timeout: 20_000 });
  return r.json();
}

export interface StoredEvent {
  seq: number;
  subject: string;
  timeNs: number;
  event: FleetEvent;
}

/** Every message of a stream, in order, with the server's store time. */
export async function readStream(c: Client, stream: string): Promise<StoredEvent[]> {
  const info = await c.jsm.streams.info(stream);
  const last = info.state.last_seq;
  const out: StoredEvent[] = [];
  if (!last) return out;
  const cons = await c.js.consumers.get(stream);
  const iter = await cons.consume({ max_messages: 1000 });
  for await (const m of iter) {
    const p = parseEvent(m.data);
    if (p.ok) out.push({ seq: m.seq, subject: m.subject, timeNs: m.info.timestampNanos, event: p.event });
    if (m.seq >= last) break;
  }
  await iter.close();
  return out;
}

export async function desiredOf(c: Client, host?: string): Promise<FleetEvent<typeof EventTypes.desiredPublished>[]> {
  return (await readStream(c, Streams.desired))
    .map((e) => e.event as FleetEvent<typeof EventTypes.desiredPublished>)
    .filter((e) => !host || e.data.host === host);
}

/** The controller as a child process (the bin), for kill -9 tests. */
export async function spawnController(url: string, args: string[] = []): Promise<{ child: ChildProcess; output: () => string; kill(signal?: NodeJS.Signals): Promise<void> }> {
  const bin = fileURLToPath(new URL('../bin/fleetnet-controller.js', import.meta.url));
  const child = spawn(process.execPath, [bin, '--server', url, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const remove = onExit(`controller-${child.pid}`, () => killPid(child.pid, 'SIGKILL'));
  await waitFor(() => /"msg":"controller ready"/.test(out) || child.exitCode !== null, 30_000, 'controller ready');
  if (child.exitCode !== null) throw new Error(`controller exited ${child.exitCode}:\n${out}`);
  return {
    child,
    output: () => out,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) {
        const done = new Promise((r) => child.once('exit', r));
        killPid(child.pid, signal);
        await done;
      }
      remove();
    },
  };
}
