import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeEvent, EventTypes, makeEvent, parseEvent, Streams, subjects,
  type HostNetworkPolicy, type HostView, type NetworkState,
} from '@fleetnet/contracts';
import { connectClient, type Client } from '../../cli/src/client.ts';
import { listAll } from '../../cli/src/list.ts';
import { onExit } from '../support/cleanup.ts';
import { startFleet, type Fleet, type FleetHost } from '../support/fleet.ts';
import { startNats, type NatsServer } from '../support/nats.ts';
import { waitFor } from '../support/ports.ts';
import { startControllerProcess, type Proc } from '../support/proc.ts';

/**
 * A real system to throw bad input at: nats-server, the controller process, a played host `played1`
 * (its reports are sent by the test) and, with `kernel`, a real host `hh1` (its own namespace, OVS
 * and agent) that has applied a policy, so the kernel can be read before and after. A `sentinel`
 * host, left out of every observation, tells when the controller has folded everything sent before.
 */
export interface HostileEnv {
  natsUrl: string;
  client: Client;
  controller: Proc;
  /** the real host, with `kernel` */
  host?: FleetHost;
  tmp: string;
  /** subjects written by the current case (left out of the stream comparison) */
  touched: Set<string>;
  /** rejection events seen since the current case began */
  rejections: { eventId?: string; subject: string; reason: string }[];
  /** JetStream publish of raw bytes; returns the publish error message, if any */
  publishRaw(subject: string, bytes: Uint8Array | string): Promise<string | undefined>;
  /** core NATS publish (heartbeats) */
  publishCore(subject: string, bytes: Uint8Array | string): Promise<void>;
  /** waits until the controller folded what was sent before (intent and reports), or throws */
  settle(): Promise<void>;
  observe(): Promise<Observation>;
  stop(): Promise<void>;
}

export interface Observation {
  projection: unknown;
  streams: Record<string, number>;
  kernel?: unknown;
  alive: Record<string, boolean>;
}

export const PLAYED = 'played1';
export const REAL = 'hh1';
const SENTINEL = 'sentinel';

export const hostilePolicy = (name: string, mtu = 1400): HostNetworkPolicy => ({
  apiVersion: 'fleetnet.io/v1', kind: 'HostNetworkPolicy', metadata: { name },
  spec: {
    hostSelector: { matchLabels: { hostile: 'yes' } },
    desiredState: { interfaces: [{ name: 'br-hostile', type: 'linux-bridge', state: 'up', mtu }] },
  },
});

const playedState = (mtu: number): NetworkState => ({ interfaces: [{ name: 'eth0', type: 'ethernet', state: 'up', mtu }] });

const facts = {
  nics: [{ name: 'eth0', mac: '52:54:00:00:00:01', driver: 'virtio_net', pciAddress: '0000:00:03.0', vendorId: '1af4', deviceId: '1000' }],
  kernel: { release: '6.1.0-test', capabilities: { bond: false, vlan: false, dummy: false, macvlan: true, vxlan: true, ovs: true } },
};

/** Volatile parts of a host view (liveness follows the clock, not the input) are left out. */
function stable(v: HostView) {
  const { lastSeen: _l, reachable: _r, ...rest } = v;
  return { ...rest, conditions: v.conditions.filter((c) => c.type !== 'Unreachable') };
}

export async function startHostileEnv(opts: { kernel: boolean }): Promise<HostileEnv> {
  const tmp = mkdtempSync(join(tmpdir(), 'fleetnet-hostile-'));
  const removeTmp = onExit(`hostile-${tmp}`, () => rmSync(tmp, { recursive: true, force: true }));
  let fleet: Fleet | undefined;
  let nats: NatsServer | undefined;
  let controller: Proc;
  let client: Client;
  let natsUrl: string;
  if (opts.kernel) {
    fleet = await startFleet({ hosts: [{ name: REAL, labels: { hostile: 'yes' } }] });
    natsUrl = fleet.natsUrl;
    client = fleet.client;
    controller = fleet.controller!;
  } else {
    nats = await startNats();
    natsUrl = nats.url;
    controller = await startControllerProcess({ args: ['--server', natsUrl, '--log-level', 'info'] });
    client = await connectClient({ server: natsUrl, timeout: '10s' }, { reconnect: true });
  }
  const touched = new Set<string>();
  const rejections: HostileEnv['rejections'] = [];
  client.nc.subscribe(subjects.intentRejected, {
    callback: (_e, m) => {
      const p = parseEvent(m.data, [EventTypes.intentRejected]);
      if (p.ok && p.event.type === EventTypes.intentRejected) rejections.push(p.event.data);
    },
  });
  const publishEvent = async (subject: string, type: Parameters<typeof makeEvent>[0], data: unknown) => {
    await client.js.publish(subject, encodeEvent(makeEvent(type, 'hostile-test', subject, data as never)));
  };
  const publishRaw = async (subject: string, bytes: Uint8Array | string) => {
    touched.add(subject);
    try {
      await client.js.publish(subject, bytes);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  };

  // the played host and the sentinel, registered as an agent would
  for (const host of [PLAYED, SENTINEL]) {
    await publishEvent(subjects.hello(host), EventTypes.hello, { host, agentVersion: 'hostile-test', labels: { role: 'played' }, facts });
    await publishEvent(subjects.state(host), EventTypes.stateReported, { host, state: playedState(1500) });
  }
  const view = async (name: string) => (await client.request('hosts.get', { name })).host;
  await waitFor(() => view(SENTINEL).then((v) => v.actual?.interfaces?.[0]?.mtu === 1500).catch(() => false), 30_000, 'sentinel registered', 100);
  if (fleet) {
    await fleet.applyPolicy(hostilePolicy('hostile-bridge'));
    await fleet.waitInSync([REAL], 60_000);
  } else {
    await publishEvent(subjects.intentPolicy('hostile-bridge'), EventTypes.policyUpserted, { policy: hostilePolicy('hostile-bridge') });
    await waitFor(() => client.request('policies.get', { name: 'hostile-bridge' }).then(() => true).catch(() => false), 30_000, 'policy folded', 100);
  }

  let tick = 0;
  const settle = async () => {
    tick++;
    const mtu = 1000 + tick;
    const label = `t${tick}`;
    await publishEvent(subjects.state(SENTINEL), EventTypes.stateReported, { host: SENTINEL, state: playedState(mtu) });
    await publishEvent(subjects.intentHost(SENTINEL), EventTypes.hostLabeled, { host: SENTINEL, set: { tick: label } });
    // both streams are folded in order: once the sentinel's events show, everything before them was folded
    await waitFor(async () => {
      const v = await view(SENTINEL).catch(() => undefined);
      return v?.actual?.interfaces?.[0]?.mtu === mtu && v.labels.tick === label;
    }, 15_000, 'the controller folds the sentinel events', 25);
  };

  const streamCounts = async () => {
    const out: Record<string, number> = {};
    for (const s of Object.values(Streams)) {
      const info = await client.nc.request(`$JS.API.STREAM.INFO.${s}`, JSON.stringify({ subjects_filter: '>' }), { timeout: 5000 });
      const subjectsMap = (info.json() as { state: { subjects?: Record<string, number> } }).state.subjects ?? {};
      for (const [subj, n] of Object.entries(subjectsMap)) {
        // rejection records are the system's answer to bad input (rate-limited): the cases assert them where due
        if (subj.endsWith(`.${SENTINEL}`) || subj === subjects.intentRejected) continue;
        out[subj] = n;
      }
    }
    return out;
  };

  const kernel = () => {
    if (!fleet) return undefined;
    const ns = fleet.host(REAL).ns.name;
    // bridge timers count down on their own, and an IPv6 address stops being tentative when the
    // kernel's duplicate address detection ends: everything else is configuration
    const read = (...args: string[]) => JSON.parse(execFileSync('ip', ['-n', ns, '-j', '-d', ...args], { encoding: 'utf8' }) || '[]',
      (k, v) => (k.endsWith('_timer') || k === 'tentative' ? undefined : v));
    return { links: read('link', 'show'), addrs: read('addr', 'show'), routes: read('route', 'show') };
  };

  // The real host's last reports after its first apply still arrive: start from a quiet system.
  await settle();
  await new Promise((r) => setTimeout(r, 1500));
  await settle();

  const env: HostileEnv = {
    natsUrl, client, controller, tmp, touched, rejections,
    ...(fleet ? { host: fleet.host(REAL) } : {}),
    publishRaw,
    publishCore: async (subject, bytes) => {
      client.nc.publish(subject, bytes);
      await client.nc.flush();
    },
    settle,
    async observe() {
      const hosts = (await listAll(client, 'hosts.list', {})).items.filter((h) => h.name !== SENTINEL).map(stable);
      const policies = (await listAll(client, 'policies.list', {})).items;
      const rollouts = (await listAll(client, 'rollouts.list', {})).items;
      return {
        projection: { hosts, policies, rollouts },
        streams: await streamCounts(),
        ...(fleet ? { kernel: kernel() } : {}),
        alive: { controller: controller.running, ...(fleet ? { agent: fleet.host(REAL).agent?.running ?? false } : {}) },
      };
    },
    async stop() {
      if (fleet) await fleet.stop();
      else {
        await client.close();
        await controller.stop();
        await nats!.stop();
      }
      removeTmp();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
  return env;
}
