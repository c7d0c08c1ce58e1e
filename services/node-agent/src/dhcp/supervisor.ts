import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Runner } from '../exec.ts';
import type { Logger } from '../log.ts';
import { parseLease, type Lease } from './lease.ts';
import { renderScript } from './script.ts';
import type { DhcpSettings } from './settings.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};
const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
};

interface Client {
  settings: DhcpSettings;
  pid?: number;
  timer?: NodeJS.Timeout;
  restarts: number;
}

/** One busybox udhcpc per interface, its files under `<state>/dhcp/`: IFACE.json (settings), .sh, .pid, .lease. */
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

/**
 * Supervises the clients: started by an apply, restarted when one dies (after a pause that grows
 * with each death, and only while its settings file says it is wanted), stopped by pid. At creation
 * it adopts the clients a previous agent started from the same state directory and that still run, so
 * a restarted agent supervises them again instead of starting a second client per interface.
 */
export function createDhcpSupervisor(opts: { dir: string; run: Runner; log: Logger }): DhcpSupervisor {
  const { dir, run } = opts;
  const log = opts.log.child({ backend: 'dhcp' });
  const file = (iface: string, ext: string) => join(dir, `${iface}.${ext}`);
  const clients = new Map<string, Client>();
  const isOurs = (pid: number, iface: string) => {
    const argv = cmdline(pid);
    return argv.some((a) => a.endsWith('udhcpc')) && argv.includes(file(iface, 'sh'));
  };
  const pidFromFile = (iface: string) => {
    try {
      const n = Number(readFileSync(file(iface, 'pid'), 'utf8').trim());
      return n > 0 ? n : undefined;
    } catch {
      return undefined;
    }
  };

  const died = (iface: string, c: Client, pid: number | undefined) => {
    if (clients.get(iface) !== c) return;
    // someone else (another agent on this state dir) stopped or replaced it: not ours to restart
    if (!existsSync(file(iface, 'json')) || (pidFromFile(iface) !== undefined && pidFromFile(iface) !== pid && alive(pidFromFile(iface)!))) {
      clients.delete(iface);
      return;
    }
    c.restarts++;
    const pause = Math.min(30_000, 500 * 2 ** Math.min(c.restarts, 6));
    log.warn({ iface, pid, restarts: c.restarts, pauseMs: pause }, 'DHCP client exited; restarting it');
    c.timer = setTimeout(() => {
      if (clients.get(iface) !== c) return;
      // another agent on this state dir may have started one meanwhile: follow it instead
      const other = pidFromFile(iface);
      if (other && other !== pid && alive(other) && isOurs(other, iface)) {
        c.pid = other;
        watchPid(iface, c, other);
      } else spawn(iface, c).catch((e: Error) => log.error({ iface, err: e.message }, 'DHCP client not restarted'));
    }, pause);
    c.timer.unref();
  };

  const watchPid = (iface: string, c: Client, pid: number) => {
    c.timer = setInterval(() => {
      if (alive(pid)) return;
      clearInterval(c.timer);
      died(iface, c, pid);
    }, 1000);
    c.timer.unref();
  };

  /**
   * udhcpc daemonizes (`-b`: once leased, or after its first round of discovers) with its output on
   * /dev/null: it outlives a one-shot `fleetnet-agent apply`, and is watched by its pid file.
   */
  const spawn = async (iface: string, c: Client) => {
    rmSync(file(iface, 'pid'), { force: true });
    const r = await run('udhcpc', ['-b', '-i', iface, '-s', file(iface, 'sh'), '-p', file(iface, 'pid'), '-t', '3', '-T', '1', '-A', '2'], { timeoutMs: 60_000 });
    if (r.notFound) {
      clients.delete(iface);
      rmSync(file(iface, 'json'), { force: true });
      throw new Error('udhcpc is not installed (Debian package udhcpc): DHCPv4 needs it');
    }
    if (clients.get(iface) !== c) return;
    const pid = pidFromFile(iface);
    if (pid && alive(pid)) {
      c.pid = pid;
      watchPid(iface, c, pid);
    } else died(iface, c, undefined);
  };

  // adopt what a previous agent left running
  for (const name of existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : []) {
    const iface = name.slice(0, -'.json'.length);
    try {
      const settings = JSON.parse(readFileSync(join(dir, name), 'utf8')) as DhcpSettings;
      const pid = pidFromFile(iface);
      const c: Client = { settings, restarts: 0 };
      clients.set(iface, c);
      if (pid && alive(pid) && isOurs(pid, iface)) {
        c.pid = pid;
        watchPid(iface, c, pid);
        log.info({ iface, pid }, 'DHCP client adopted');
      } else {
        // not restarted here: a `show` or `plan` must not start processes; the next apply does (the host is out of sync)
        clients.delete(iface);
        for (const ext of ['json', 'pid', 'lease']) rmSync(file(iface, ext), { force: true });
        log.warn({ iface }, 'DHCP client of a previous run is gone; the next apply starts it');
      }
    } catch (e) {
      log.error({ iface, err: (e as Error).message }, 'cannot adopt the DHCP client');
    }
  }

  const lease = (iface: string) => {
    try {
      return parseLease(readFileSync(file(iface, 'lease'), 'utf8'));
    } catch {
      return undefined;
    }
  };

  return {
    running: () => new Map([...clients].map(([k, c]) => [k, c.settings])),
    pid: (iface) => clients.get(iface)?.pid,
    lease,
    async start(iface, settings) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      rmSync(file(iface, 'lease'), { force: true });
      writeFileSync(file(iface, 'sh'), renderScript(settings, file(iface, 'lease')));
      chmodSync(file(iface, 'sh'), 0o700);
      writeFileSync(file(iface, 'json'), JSON.stringify(settings));
      const c: Client = { settings, restarts: 0 };
      clients.set(iface, c);
      await spawn(iface, c);
    },
    async waitLease(iface, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const l = lease(iface);
        if (l || Date.now() >= deadline || !clients.has(iface)) return l;
        await sleep(200);
      }
    },
    close() {
      for (const c of clients.values()) clearTimeout(c.timer), clearInterval(c.timer);
      clients.clear();
    },
    async stop(iface) {
      const c = clients.get(iface);
      clients.delete(iface);
      rmSync(file(iface, 'json'), { force: true });
      if (c?.timer) clearTimeout(c.timer), clearInterval(c.timer);
      const pid = c?.pid ?? pidFromFile(iface);
      if (pid && alive(pid) && isOurs(pid, iface)) {
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 30 && alive(pid); i++) await sleep(100);
        if (alive(pid)) process.kill(pid, 'SIGKILL');
        log.info({ iface, pid }, 'DHCP client stopped');
      }
      for (const ext of ['pid', 'lease', 'lease.tmp', 'sh']) rmSync(file(iface, ext), { force: true });
      // udhcpc does not release on SIGTERM (no -R): the lease's address and routes go here
      await run('ip', ['-4', 'addr', 'flush', 'dev', iface, 'dynamic']);
      await run('ip', ['-4', 'route', 'flush', 'dev', iface, 'proto', 'dhcp', 'table', 'all']);
    },
  };
}
