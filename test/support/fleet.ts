import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { HostNetworkPolicy, HostView, Labels } from '@fleetnet/contracts';
import { EventTypes, makeEvent, subjects } from '@fleetnet/contracts';
import { connectClient, type Client } from '../../cli/src/client.ts';
import { authorizationConfig, newFleetAuth, writeFleetAuth, type Credentials } from '../../deploy/auth.ts';
import { onExit } from './cleanup.ts';
import { startNats, type NatsServer } from './nats.ts';
import { createNetns, type Netns } from './netns.ts';
import { bridgeIntoNetns, type NsBridge } from './ns-bridge.ts';
import { startOvs, type OvsInstance } from './ovs.ts';
import { waitFor } from './ports.ts';
import { Proc, startControllerProcess } from './proc.ts';

/**
 * A whole fleet on one machine, made of real parts: a router namespace whose Linux bridges `fabric`
 * (management) and `trunk` (data) join the hosts; one namespace per host with an uplink `up0`
 * (10.250.0.<10+i>/24) and data links `data0`, `data1`, its own Open vSwitch and its own resolv.conf;
 * the controller and one `fleetnet-agent run` per host as separate processes. Hosts reach the
 * nats-server on root loopback only through their uplink (at 10.250.0.1:4222, via ns-bridge), so
 * cutting a host's uplink really cuts it off the bus. Used by `pnpm demo` and test/e2e.
 */

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const AGENT_BIN = join(repoRoot, 'services/node-agent/bin/fleetnet-agent.js');

export const ROUTER_IP = '10.250.0.1';
export const NATS_PORT_IN_FABRIC = 4222;
export const hostIp = (index: number) => `10.250.0.${10 + index}`;

export interface FleetHostSpec {
  name: string;
  labels?: Labels;
}

export interface FleetOptions {
  hosts: FleetHostSpec[];
  /** nats-server ports on root loopback (one per cluster node); default: start one server */
  natsPorts?: number[];
  /** stream and KV replicas for the controller (3 on a cluster) */
  replicas?: number;
  /** seconds between agent heartbeats */
  heartbeatSeconds?: number;
  unreachableAfterSeconds?: number;
  /** where lines about what the fleet is doing go (the demo prints them) */
  say?: (line: string) => void;
  /** pino level of the agent and controller log files */
  logLevel?: string;
  /** false: the caller runs the controller (e.g. in its own process, to compare its projection) */
  controller?: boolean;
  /**
   * One NATS user per host, as deploy/gen-auth.ts makes them: the nats-server enforces DESIGN.md's
   * permissions, and the agents, the controller and the client connect with `--creds` files.
   * Only with the fleet's own nats-server.
   */
  auth?: boolean;
}

export interface FleetHost {
  name: string;
  index: number;
  labels: Labels;
  ns: Netns;
  ovs: OvsInstance;
  address: string;
  stateDir: string;
  resolvConf: string;
  agent: Proc | undefined;
  /** start (or restart) this host's agent process */
  startAgent(env?: Record<string, string>): Promise<Proc>;
}

export interface Fleet {
  dir: string;
  /** comma-separated URLs of the nats-server(s) on root loopback */
  natsUrl: string;
  nats?: NatsServer;
  router: Netns;
  hosts: FleetHost[];
  host(name: string): FleetHost;
  controller: Proc | undefined;
  startController(): Promise<Proc>;
  /** a CLI client on root loopback: API requests and intent publishing */
  client: Client;
  applyPolicy(policy: HostNetworkPolicy): Promise<void>;
  deletePolicy(name: string): Promise<void>;
  hostView(name: string): Promise<HostView>;
  hostViews(): Promise<HostView[]>;
  /** waits until every named host has applied, in sync, a desired version at least `minVersion` */
  waitInSync(names?: string[], timeoutMs?: number): Promise<HostView[]>;
  stop(): Promise<void>;
}

/** Builds the network, then starts nats-server (unless given), the controller and every agent. */
export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const say = opts.say ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'fleetnet-fleet-'));
  mkdirSync(join(dir, 'logs'));
  const cleanups: (() => Promise<void> | void)[] = [];
  const removeDir = onExit(`fleet-${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  let stopped = false;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // best effort: everything else must still go
      }
    }
    removeDir();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    if (opts.auth && opts.natsPorts) throw new Error('auth needs the fleet\'s own nats-server (no natsPorts)');
    const auth = opts.auth ? newFleetAuth(opts.hosts.map((h) => h.name)) : undefined;
    const authFiles = auth ? writeFleetAuth(auth, join(dir, 'auth')) : undefined;
    const credsArgs = (c: Credentials | undefined) => (authFiles && c ? ['--creds', authFiles.creds(c)] : []);
    let nats: NatsServer | undefined;
    let ports = opts.natsPorts;
    if (!ports) {
      say(`starting nats-server (JetStream on a temporary directory${auth ? ', one user per host' : ''})`);
      nats = await startNats(auth ? { config: authorizationConfig(auth) } : {});
      cleanups.push(() => nats!.stop());
      ports = [nats.port];
    }
    const natsUrl = ports.map((p) => `nats://127.0.0.1:${p}`).join(',');

    say(`creating the router namespace and ${opts.hosts.length} host namespaces`);
    const router = createNetns('rt');
    cleanups.push(() => router.remove());
    router.ip('link', 'add', 'fabric', 'type', 'bridge');
    router.ip('link', 'add', 'trunk', 'type', 'bridge');
    router.ip('addr', 'add', `${ROUTER_IP}/24`, 'dev', 'fabric');
    router.ip('link', 'set', 'fabric', 'up');
    router.ip('link', 'set', 'trunk', 'up');
    // cluster node i is reachable in the fabric at 10.250.0.1:4222+i
    const bridges: NsBridge[] = [];
    for (const [i, port] of ports.entries()) bridges.push(await bridgeIntoNetns(router, ROUTER_IP, NATS_PORT_IN_FABRIC + i, port));
    cleanups.push(async () => {
      for (const b of bridges) await b.close();
    });
    const fabricUrl = ports.map((_, i) => `nats://${ROUTER_IP}:${NATS_PORT_IN_FABRIC + i}`).join(',');

    const hosts: FleetHost[] = [];
    for (const [i, spec] of opts.hosts.entries()) {
      const index = i + 1;
      const ns = createNetns(`h${index}`);
      cleanups.push(() => ns.remove());
      // the router ends are named by host index: u<i> (uplink), d<i>a / d<i>b (data links)
      const links: [string, string, string][] = [[`u${index}`, 'up0', 'fabric'], [`d${index}a`, 'data0', 'trunk'], [`d${index}b`, 'data1', 'trunk']];
      for (const [routerEnd, hostEnd, bridge] of links) {
        router.ip('link', 'add', routerEnd, 'type', 'veth', 'peer', 'name', hostEnd, 'netns', ns.name);
        router.ip('link', 'set', routerEnd, 'master', bridge);
        router.ip('link', 'set', routerEnd, 'up');
      }
      const address = hostIp(index);
      ns.ip('addr', 'add', `${address}/24`, 'dev', 'up0');
      ns.ip('link', 'set', 'up0', 'up');
      const ovs = await startOvs(ns);
      cleanups.push(() => ovs.stop());
      const stateDir = join(dir, spec.name, 'state');
      mkdirSync(stateDir, { recursive: true });
      const resolvConf = join(dir, spec.name, 'resolv.conf');
      writeFileSync(resolvConf, 'nameserver 127.0.0.53\n');
      const labels: Labels = { 'kubernetes.io/hostname': spec.name, ...spec.labels };
      const host: FleetHost = {
        name: spec.name, index, labels, ns, ovs, address, stateDir, resolvConf, agent: undefined,
        async startAgent(env = {}) {
          if (host.agent?.running) throw new Error(`${spec.name}: the agent is still running (pid ${host.agent.pid})`);
          const args = [
            'netns', 'exec', ns.name, process.execPath, AGENT_BIN,
            '--state-dir', stateDir, '--ovs-db', ovs.db, '--resolv-conf', resolvConf, '--log-level', opts.logLevel ?? 'info',
            'run', '--host', spec.name, '--server', fabricUrl, '--heartbeat', String(opts.heartbeatSeconds ?? 1),
            ...credsArgs(auth?.hosts[spec.name]),
            ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
          ];
          const child = spawn('ip', args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
          const proc = new Proc(`agent ${spec.name}`, child, join(dir, 'logs', `${spec.name}.log`));
          host.agent = proc;
          await proc.waitForOutput(/connected to NATS/, 30_000);
          return proc;
        },
      };
      hosts.push(host);
    }
    cleanups.push(async () => {
      await Promise.all(hosts.map((h) => h.agent?.stop('SIGTERM', 5000)));
    });

    let controller: Proc | undefined;
    const startController = async () => {
      if (controller?.running) throw new Error(`the controller is still running (pid ${controller.pid})`);
      controller = await startControllerProcess({
        args: ['--server', natsUrl, '--replicas', String(opts.replicas ?? 1), '--unreachable-after', String(opts.unreachableAfterSeconds ?? 5),
          '--log-level', opts.logLevel ?? 'info', ...credsArgs(auth?.controller)],
        logFile: join(dir, 'logs', 'controller.log'),
      });
      return controller;
    };
    cleanups.push(async () => {
      await controller?.stop('SIGTERM', 5000);
    });
    if (opts.controller !== false) {
      say('starting the controller');
      await startController();
    }

    say(`starting ${hosts.length} agents (fleetnet-agent run, each inside its host namespace)`);
    await Promise.all(hosts.map((h) => h.startAgent()));

    const client = await connectClient({ server: natsUrl, timeout: '10s', ...(auth ? { creds: authFiles!.creds(auth.operator) } : {}) }, { reconnect: true });
    cleanups.push(() => client.close());

    const hostView = async (name: string) => (await client.request('hosts.get', { name })).host;
    const hostViews = async () => (await client.request('hosts.list', { limit: 1000 })).items;
    // the controller knows every host once their hellos are folded
    await waitFor(async () => {
      const views = await hostViews().catch(() => []);
      return hosts.every((h) => views.some((v) => v.name === h.name && v.reachable));
    }, 30_000, 'every host registered with the controller');

    const fleet: Fleet = {
      dir, natsUrl, nats, router, hosts,
      get controller() {
        return controller;
      },
      startController,
      client,
      host: (name) => {
        const h = hosts.find((x) => x.name === name);
        if (!h) throw new Error(`no host ${name} in this fleet`);
        return h;
      },
      async applyPolicy(policy) {
        const subject = subjects.intentPolicy(policy.metadata.name);
        await client.publishEvent(subject, makeEvent(EventTypes.policyUpserted, 'fleetnet-test', subject, { policy }));
      },
      async deletePolicy(name) {
        const subject = subjects.intentPolicy(name);
        await client.publishEvent(subject, makeEvent(EventTypes.policyDeleted, 'fleetnet-test', subject, { name }));
      },
      hostView,
      hostViews,
      async waitInSync(names = hosts.map((h) => h.name), timeoutMs = 60_000) {
        let last: HostView[] = [];
        try {
          await waitFor(async () => {
            last = await Promise.all(names.map(hostView));
            return last.every((v) => v.desiredVersion > 0 && v.appliedVersion === v.desiredVersion && v.inSync === true && v.phase === 'Applied');
          }, timeoutMs, 'hosts in sync', 200);
        } catch (e) {
          const lines = last.map((v) => `  ${v.name}: desired v${v.desiredVersion} applied v${v.appliedVersion} ${v.phase} inSync=${v.inSync}${v.lastError ? ` error: ${v.lastError.message}` : ''}`);
          throw new Error(`${(e as Error).message}\n${lines.join('\n')}`);
        }
        return last;
      },
      stop,
    };
    return fleet;
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * One link as the kernel of a fleet host sees it (`ip -j -d link show`), or undefined. Async, since
 * the relay that carries the agents' NATS traffic runs in the caller's event loop.
 */
export async function kernelLink(h: FleetHost, name: string): Promise<{ ifname: string; mtu: number; master?: string } | undefined> {
  const out = await promisify(execFile)('ip', ['-n', h.ns.name, '-j', '-d', 'link', 'show', name]).catch(() => ({ stdout: '[]' }));
  return (JSON.parse(out.stdout || '[]') as { ifname: string; mtu: number; master?: string }[])[0];
}
