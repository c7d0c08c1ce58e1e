import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killPid, onExit } from './cleanup.ts';
import type { Netns } from './netns.ts';
import { waitFor } from './ports.ts';

/**
 * Makes a TCP service on the root namespace's loopback (a nats-server) reachable at an address
 * inside a test namespace, without adding any interface to the root namespace: a listener inside
 * the namespace forwards each connection over a unix socket (the filesystem is shared across
 * namespaces) to a forwarder here that connects to 127.0.0.1:port.
 */
export interface NsBridge {
  /** address:port reachable from the namespace's network */
  listen: string;
  close(): Promise<void>;
}

const LISTENER = `
const net = require('node:net');
const [host, port, sock] = process.argv.slice(1);
net.createServer((c) => {
  const u = net.createConnection(sock);
  c.pipe(u); u.pipe(c);
  c.on('error', () => u.destroy()); u.on('error', () => c.destroy());
}).listen(Number(port), host, () => console.log('listening'));
`;

export async function bridgeIntoNetns(ns: Netns, listenHost: string, listenPort: number, targetPort: number): Promise<NsBridge> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetnet-bridge-'));
  const sock = join(dir, 'fwd.sock');
  const open = new Set<Socket>();
  const forwarder: Server = createServer((c) => {
    const t = createConnection(targetPort, '127.0.0.1');
    open.add(c).add(t);
    c.on('close', () => open.delete(c));
    t.on('close', () => open.delete(t));
    c.pipe(t);
    t.pipe(c);
    c.on('error', () => t.destroy());
    t.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => forwarder.listen(sock, r));
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e', LISTENER, listenHost, String(listenPort), sock], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let ready = false;
  child.stdout!.on('data', (d) => {
    if (String(d).includes('listening')) ready = true;
  });
  const remove = onExit(`bridge-${sock}`, () => {
    killPid(child.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await waitFor(() => ready || child.exitCode !== null, 10_000, 'namespace listener');
  if (!ready) throw new Error(`could not listen on ${listenHost}:${listenPort} in ${ns.name}`);
  return {
    listen: `${listenHost}:${listenPort}`,
    close: async () => {
      remove();
      killPid(child.pid, 'SIGKILL');
      // close() waits for every relayed connection to end: one whose server never answers the FIN (a
      // cluster node left without peers) would hold the test process for good, so they go too
      const closed = new Promise<void>((r) => forwarder.close(() => r()));
      for (const sock of open) sock.destroy();
      await closed;
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
