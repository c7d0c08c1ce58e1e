import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Runner } from '../exec.ts';
import type { Logger } from '../log.ts';
import type { ClientKind } from './client-kind.ts';
import { parseLease, type Lease } from './lease.ts';
import type { DhcpSettings } from './settings.ts';
import { cmdline, pidAlive as alive, readPidFile, sleep, terminate } from '../pid.ts';


interface Client {
  settings: DhcpSettings;
  pid?: number;
  timer?: NodeJS.Timeout;
  restarts: number;
}

/**
 * One DHCP client per interface, its files under one directory (`<state>/dhcp/` for busybox udhcpc,
 * `<state>/dhcp6/` for dhclient -6): IFACE.json (settings), .sh, .pid, .lease, and what the kind adds.
 */
export interface DhcpSupervisor {
  running(): ReadonlyMap<string, DhcpSettings>;
  pid(iface: string): number | undefined;
  /** resolves once the client runs in the background (leased, or still asking) */
  start(iface: string, settings: DhcpSettings): Promise<void>;
  waitLease(iface: string, timeoutMs: number): Promise<Lease | undefined>;
  lease(iface: string): Lease | undefined;
  stop(iface: string): Promise<void>;
  /** stops supervising (the agent exits): the clients keep running for the next agent to adopt */
  close(): void;
}

/** What every step of the supervision reads: the state directory, the runner, and the clients it follows. */
interface Supervision {
  kind: ClientKind;
  dir: string;
  run: Runner;
  log: Logger;
  clients: Map<string, Client>;
}

const clientFile = (s: Supervision, iface: string, ext: string) => join(s.dir, `${iface}.${ext}`);

function isOurs(s: Supervision, pid: number, iface: string): boolean {
  const argv = cmdline(pid);
  return argv.some((a) => a.endsWith(s.kind.program)) && argv.includes(clientFile(s, iface, 'sh'));
}

const pidFromFile = (s: Supervision, iface: string) => readPidFile(clientFile(s, iface, 'pid'));

function readLease(s: Supervision, iface: string): Lease | undefined {
  try {
    return parseLease(readFileSync(clientFile(s, iface, 'lease'), 'utf8'));
  } catch {
    return undefined;
  }
}

function watchPid(s: Supervision, iface: string, c: Client, pid: number): void {
  c.timer = setInterval(() => {
    if (alive(pid)) return;
    clearInterval(c.timer);
    clientDied(s, iface, c, pid);
  }, 1000);
  c.timer.unref();
}

function clientDied(s: Supervision, iface: string, c: Client, pid: number | undefined): void {
  if (s.clients.get(iface) !== c) return;
  // someone else (another agent on this state dir) stopped or replaced it: not ours to restart
  if (!existsSync(clientFile(s, iface, 'json')) || (pidFromFile(s, iface) !== undefined && pidFromFile(s, iface) !== pid && alive(pidFromFile(s, iface)!))) {
    s.clients.delete(iface);
    return;
  }
  c.restarts++;
  const pause = Math.min(30_000, 500 * 2 ** Math.min(c.restarts, 6));
  s.log.warn({ iface, pid, restarts: c.restarts, pauseMs: pause }, `${s.kind.name} client exited; restarting it`);
  c.timer = setTimeout(() => restartClient(s, iface, c, pid), pause);
  c.timer.unref();
}

function restartClient(s: Supervision, iface: string, c: Client, deadPid: number | undefined): void {
  if (s.clients.get(iface) !== c) return;
  // another agent on this state dir may have started one meanwhile: follow it instead
  const other = pidFromFile(s, iface);
  if (other && other !== deadPid && alive(other) && isOurs(s, other, iface)) {
    c.pid = other;
    watchPid(s, iface, c, other);
  } else spawnClient(s, iface, c).catch((e: Error) => s.log.error({ iface, err: e.message }, `${s.kind.name} client not restarted`));
}

/**
 * The client daemonizes (see its kind's argv) with its output on /dev/null: it outlives a one-shot
 * `fleetnet-agent apply`, and is watched by its pid file.
 */
async function spawnClient(s: Supervision, iface: string, c: Client): Promise<void> {
  const file = (ext: string) => clientFile(s, iface, ext);
  rmSync(file('pid'), { force: true });
  const r = await s.run(s.kind.program, s.kind.argv(iface, file), { timeoutMs: 60_000 });
  if (r.notFound) {
    s.clients.delete(iface);
    rmSync(file('json'), { force: true });
    throw new Error(`${s.kind.program} is not installed (Debian package ${s.kind.debianPackage}): ${s.kind.name} needs it`);
  }
  if (s.clients.get(iface) !== c) return;
  const pid = pidFromFile(s, iface);
  if (pid && alive(pid)) {
    c.pid = pid;
    watchPid(s, iface, c, pid);
  } else clientDied(s, iface, c, undefined);
}

/** Follows the client a previous agent left running for the settings file `name`, or forgets it. */
function adoptClient(s: Supervision, name: string): void {
  const iface = name.slice(0, -'.json'.length);
  try {
    const settings = JSON.parse(readFileSync(join(s.dir, name), 'utf8')) as DhcpSettings;
    const pid = pidFromFile(s, iface);
    const c: Client = { settings, restarts: 0 };
    s.clients.set(iface, c);
    if (pid && alive(pid) && isOurs(s, pid, iface)) {
      c.pid = pid;
      watchPid(s, iface, c, pid);
      s.log.info({ iface, pid }, `${s.kind.name} client adopted`);
    } else {
      // not restarted here: a `show` or `plan` must not start processes; the next apply does (the host is out of sync)
      s.clients.delete(iface);
      for (const ext of ['json', 'pid', 'lease']) rmSync(clientFile(s, iface, ext), { force: true });
      s.log.warn({ iface }, `${s.kind.name} client of a previous run is gone; the next apply starts it`);
    }
  } catch (e) {
    s.log.error({ iface, err: (e as Error).message }, `cannot adopt the ${s.kind.name} client`);
  }
}

async function startClient(s: Supervision, iface: string, settings: DhcpSettings): Promise<void> {
  const file = (ext: string) => clientFile(s, iface, ext);
  mkdirSync(s.dir, { recursive: true, mode: 0o700 });
  rmSync(file('lease'), { force: true });
  writeFileSync(file('sh'), s.kind.script(settings, file('lease')));
  chmodSync(file('sh'), 0o700);
  for (const [ext, text] of Object.entries(s.kind.files)) writeFileSync(file(ext), text);
  writeFileSync(file('json'), JSON.stringify(settings));
  const c: Client = { settings, restarts: 0 };
  s.clients.set(iface, c);
  await spawnClient(s, iface, c);
}

async function waitForLease(s: Supervision, iface: string, timeoutMs: number): Promise<Lease | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const l = readLease(s, iface);
    if (l || Date.now() >= deadline || !s.clients.has(iface)) return l;
    await sleep(200);
  }
}

async function stopClient(s: Supervision, iface: string): Promise<void> {
  const file = (ext: string) => clientFile(s, iface, ext);
  const c = s.clients.get(iface);
  s.clients.delete(iface);
  rmSync(file('json'), { force: true });
  if (c?.timer) clearTimeout(c.timer), clearInterval(c.timer);
  const pid = c?.pid ?? pidFromFile(s, iface);
  if (pid && alive(pid) && isOurs(s, pid, iface)) {
    await terminate(pid, 3000);
    s.log.info({ iface, pid }, `${s.kind.name} client stopped`);
  }
  const lease = readLease(s, iface);
  for (const ext of ['pid', 'lease', 'lease.tmp', 'sh', ...Object.keys(s.kind.files), ...s.kind.ownFiles]) rmSync(file(ext), { force: true });
  // neither client releases on SIGTERM: the lease's address (and routes) go here
  await s.kind.removeLease(s.run, iface, lease);
}

/**
 * Supervises the clients: started by an apply, restarted when one dies (after a pause that grows
 * with each death, and only while its settings file says it is wanted), stopped by pid. At creation
 * it adopts the clients a previous agent started from the same state directory and that still run, so
 * a restarted agent supervises them again instead of starting a second client per interface.
 */
export function createDhcpSupervisor(opts: { kind: ClientKind; dir: string; run: Runner; log: Logger }): DhcpSupervisor {
  const s: Supervision = { kind: opts.kind, dir: opts.dir, run: opts.run, log: opts.log.child({ backend: 'dhcp', client: opts.kind.program }), clients: new Map() };
  for (const name of existsSync(s.dir) ? readdirSync(s.dir).filter((f) => f.endsWith('.json')) : []) adoptClient(s, name);
  return {
    running: () => new Map([...s.clients].map(([k, c]) => [k, c.settings])),
    pid: (iface) => s.clients.get(iface)?.pid,
    lease: (iface) => readLease(s, iface),
    start: (iface, settings) => startClient(s, iface, settings),
    waitLease: (iface, timeoutMs) => waitForLease(s, iface, timeoutMs),
    close() {
      for (const c of s.clients.values()) clearTimeout(c.timer), clearInterval(c.timer);
      s.clients.clear();
    },
    stop: (iface) => stopClient(s, iface),
  };
}
