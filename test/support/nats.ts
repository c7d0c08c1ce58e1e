import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killPid, onExit } from './cleanup.ts';
import { freePort, waitFor } from './ports.ts';

/** A real nats-server with JetStream on a free loopback port and a temporary store directory. */
export interface NatsServer {
  url: string;
  port: number;
  monitorPort: number;
  storeDir: string;
  name: string;
  readonly pid: number | undefined;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** start again on the same ports and store */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface NatsOptions {
  /** extra server config text (e.g. authorization blocks), written to a config file */
  config?: string;
  jetstream?: boolean;
  cluster?: { name: string; port: number; routes: number[] };
  serverName?: string;
  /** reuse this port (e.g. for a restart test) */
  port?: number;
  storeDir?: string;
  log?: boolean;
}

async function healthy(monitorPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${monitorPort}/healthz`);
    return res.ok;
  } catch {
    return false;
  }
}

export async function startNats(opts: NatsOptions = {}): Promise<NatsServer> {
  const port = opts.port ?? (await freePort());
  const monitorPort = await freePort();
  const storeDir = opts.storeDir ?? mkdtempSync(join(tmpdir(), 'fleetnet-nats-'));
  const ownsStore = !opts.storeDir;
  const name = opts.serverName ?? `fn-${port}`;
  const args = ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-n', name];
  if (opts.jetstream !== false) args.push('-js', '-sd', storeDir);
  if (opts.cluster) {
    args.push('--cluster_name', opts.cluster.name, '--cluster', `nats://127.0.0.1:${opts.cluster.port}`);
    args.push('--routes', opts.cluster.routes.map((p) => `nats://127.0.0.1:${p}`).join(','));
  }
  if (opts.config) {
    const conf = join(storeDir, 'server.conf');
    writeFileSync(conf, opts.config);
    args.push('-c', conf);
  }
  let child: ChildProcess | undefined;
  let output = '';
  const launch = async () => {
    output = '';
    child = spawn('nats-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => {
      output += d;
      if (opts.log) process.stderr.write(d);
    });
    const exited = new Promise<never>((_, reject) =>
      child!.once('exit', (code) => reject(new Error(`nats-server exited with ${code}:\n${output}`))),
    );
    exited.catch(() => undefined);
    // A clustered server only reports healthy once its peers are up: the caller waits for that.
    if (!opts.cluster) await Promise.race([waitFor(() => healthy(monitorPort), 15_000, `nats-server on ${port}`), exited]);
    else await Promise.race([waitFor(async () => (await fetch(`http://127.0.0.1:${monitorPort}/varz`)).ok, 15_000, `nats-server on ${port}`), exited]);
  };
  const removeCleanup = onExit(`nats-${port}-${monitorPort}`, () => {
    killPid(child?.pid, 'SIGKILL');
    if (ownsStore) rmSync(storeDir, { recursive: true, force: true });
  });
  const waitExit = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const done = new Promise<void>((r) => c.once('exit', () => r()));
    killPid(c.pid, signal);
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([done.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), 10_000)))]);
    clearTimeout(timer);
    // a server that ignores SIGTERM (a clustered node waiting for peers that are gone) would keep the
    // test process alive for good: it is ours, so it goes
    if (late) {
      killPid(c.pid, 'SIGKILL');
      await done;
    }
  };
  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorPort,
    storeDir,
    name,
    get pid() {
      return child?.pid;
    },
    kill: () => waitExit('SIGKILL'),
    restart: async () => {
      await waitExit('SIGKILL');
      await launch();
    },
    stop: async () => {
      await waitExit('SIGTERM');
      removeCleanup();
      if (ownsStore) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

export interface NatsCluster {
  nodes: NatsServer[];
  /** all client URLs, comma separated, for clients that should fail over */
  urls: string[];
  stop(): Promise<void>;
  /** waits until every node reports healthy with JetStream meta leader elected */
  ready(): Promise<void>;
}

/** A 3-node (by default) JetStream cluster on loopback. */
export async function startNatsCluster(size = 3, opts: Pick<NatsOptions, 'config' | 'log'> = {}): Promise<NatsCluster> {
  const clusterPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const name = `fncl${clusterPorts[0]}`;
  const started = await Promise.allSettled(
    clusterPorts.map((cp, i) =>
      startNats({ ...opts, serverName: `${name}-n${i + 1}`, cluster: { name, port: cp, routes: clusterPorts.filter((p) => p !== cp) } }),
    ),
  );
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // the nodes that did start would keep this process alive
    await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw failed.reason;
  }
  const nodes = started.map((r) => (r as PromiseFulfilledResult<NatsServer>).value);
  const cluster: NatsCluster = {
    nodes,
    urls: nodes.map((n) => n.url),
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
    ready: async () => {
      await waitFor(async () => (await Promise.all(nodes.map((n) => healthy(n.monitorPort)))).every(Boolean), 30_000, 'cluster healthy');
    },
  };
  await cluster.ready();
  return cluster;
}
