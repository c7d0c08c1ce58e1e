import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Runner } from '../exec.ts';
import type { Logger } from '../log.ts';
import { pidAlive as alive, readPidFile as readPid, sleep, terminate } from '../pid.ts';

// lldpd rewrites its argv (setproctitle: "lldpd: monitor."), so its pid file and name are what identify it
const isLldpd = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'lldpd';
  } catch {
    return false;
  }
};
const parentOf = (pid: string) => {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
  } catch {
    return undefined;
  }
};


/**
 * lldpcli is set-user-id _lldpd (its groups stay root's), so the control socket's directories must
 * let any user through: the state directory and its lldp/ become mode 0711 — search only, no listing;
 * the files in them stay 0600 root and the other directories 0700 (the socket itself is lldpd's,
 * 0770 _lldpd).
 */
function letLldpcliThrough(dir: string): void {
  for (const d of [dirname(dir), dir]) chmodSync(d, statSync(d).mode & 0o7777 | 0o711);
}

/** fleetnet's one lldpd of a host (network namespace): files under `<state>/lldp/` — lldpd.json (the interfaces), .pid, .sock, .conf. */
export interface LldpDaemon {
  /** the interfaces it is configured to serve (empty: not running) */
  interfaces(): ReadonlySet<string>;
  pid(): number | undefined;
  /** this pid is our daemon or its privilege-separated child */
  isOurs(pid: string): boolean;
  socket: string;
  /** runs lldpd on exactly these interfaces (restarting it when it ran); an empty list stops it */
  configure(interfaces: string[]): Promise<void>;
  /** stops supervising (the agent exits): the daemon keeps running for the next agent to adopt */
  close(): void;
}

/**
 * Like the DHCP clients' supervisor (dhcp/supervisor.ts): started by an apply, restarted (after a
 * pause growing with each death) while its settings file says it is wanted, stopped by pid, adopted by
 * the next agent on the same state directory. Its own control socket and pid file, and a config file
 * of its own (empty): never the machine's lldpd socket, /etc/lldpd.d or /run/lldpd.pid.
 */
export function createLldpDaemon(opts: { dir: string; run: Runner; log: Logger }): LldpDaemon {
  const { dir, run } = opts;
  const log = opts.log.child({ backend: 'lldp' });
  const f = (ext: string) => join(dir, `lldpd.${ext}`);
  const socket = f('sock');
  let wanted = new Set<string>();
  let pid: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let restarts = 0;
  const pidFromFile = () => readPid(f('pid'));
  const unwatch = () => (clearTimeout(timer), clearInterval(timer), (timer = undefined));
  const watch = (p: number) => {
    unwatch();
    timer = setInterval(() => {
      if (alive(p)) return;
      unwatch();
      if (!existsSync(f('json')) || !wanted.size) return;
      restarts++;
      const pause = Math.min(30_000, 500 * 2 ** Math.min(restarts, 6));
      log.warn({ pid: p, restarts, pauseMs: pause }, 'lldpd exited; restarting it');
      timer = setTimeout(() => spawn().catch((e: Error) => log.error({ err: e.message }, 'lldpd not restarted')), pause);
      timer.unref();
    }, 1000);
    timer.unref();
  };

  /** lldpd daemonizes once its socket is bound; it answers lldpcli when it has read its interfaces */
  const spawn = async () => {
    rmSync(f('pid'), { force: true });
    rmSync(socket, { force: true });
    const list = [...wanted].sort().join(',');
    const r = await run('lldpd', ['-u', socket, '-p', f('pid'), '-O', f('conf'), '-I', list], { timeoutMs: 30_000 });
    if (r.notFound) throw new Error('lldpd is not installed (Debian package lldpd): LLDP needs it');
    // the parent returns before the daemonized child has written its pid file
    let p = pidFromFile();
    for (let i = 0; i < 50 && r.exitCode === 0 && !p; i++) await sleep(100), (p = pidFromFile());
    if (r.exitCode !== 0 || !p || !alive(p)) throw new Error(`lldpd did not start: ${r.stderr.trim() || `exit code ${r.exitCode}`}`);
    pid = p;
    watch(p);
    for (let i = 0; i < 50; i++) {
      const s = await run('lldpcli', ['-u', socket, 'show', 'interfaces', '-f', 'json'], { quiet: true, timeoutMs: 5000 });
      if (s.exitCode === 0) break;
      await sleep(100);
    }
    log.info({ pid: p, interfaces: [...wanted] }, 'lldpd started');
  };

  const stop = async () => {
    unwatch();
    const p = pid ?? pidFromFile();
    pid = undefined;
    if (p && alive(p) && isLldpd(p)) {
      await terminate(p);
      log.info({ pid: p }, 'lldpd stopped');
    }
    rmSync(f('pid'), { force: true });
    rmSync(socket, { force: true });
  };

  // adopt what a previous agent left running
  try {
    const saved = existsSync(f('json')) ? (JSON.parse(readFileSync(f('json'), 'utf8')) as string[]) : [];
    const p = pidFromFile();
    if (saved.length && p && alive(p) && isLldpd(p)) {
      wanted = new Set(saved);
      pid = p;
      watch(p);
      // systemd's StateDirectoryMode put the state directory back to 0700 when the agent (re)started
      letLldpcliThrough(dir);
      log.info({ pid: p, interfaces: saved }, 'lldpd adopted');
    } else if (saved.length) {
      // not restarted here: a `show` or `plan` must not start processes; the next apply does (the host is out of sync)
      rmSync(f('json'), { force: true });
      log.warn({ interfaces: saved }, 'lldpd of a previous run is gone; the next apply starts it');
    }
  } catch (e) {
    log.error({ err: (e as Error).message }, 'cannot adopt lldpd');
  }

  return {
    socket,
    interfaces: () => wanted,
    pid: () => pid,
    isOurs: (p) => pid !== undefined && (Number(p) === pid || parentOf(p) === pid),
    async configure(interfaces) {
      await stop();
      wanted = new Set(interfaces);
      restarts = 0;
      if (!wanted.size) {
        rmSync(f('json'), { force: true });
        return;
      }
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      letLldpcliThrough(dir);
      writeFileSync(f('conf'), '# fleetnet: no configuration beyond its command line\n');
      writeFileSync(f('json'), JSON.stringify([...wanted].sort()));
      try {
        await spawn();
      } catch (e) {
        wanted = new Set();
        rmSync(f('json'), { force: true });
        await stop();
        throw e;
      }
    },
    close: unwatch,
  };
}

/** The inode of the network namespace the agent manages: a named one's bind mount, or this process's. */
export function netnsInode(netns?: string): number | undefined {
  try {
    return statSync(netns ? `/run/netns/${netns}` : '/proc/self/ns/net').ino;
  } catch {
    return undefined;
  }
}

/** Is this process in the network namespace with inode `ino`? */
export function inNetns(procRoot: string, pid: string, ino: number): boolean {
  try {
    return statSync(`${procRoot}/${pid}/ns/net`).ino === ino;
  } catch {
    return false;
  }
}
