import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Runner } from '../exec.ts';
import type { Logger } from '../log.ts';
import { cmdline, pidAlive as alive, readPidFile as readPid, sleep, terminate } from '../pid.ts';
import { parseStatus, renderConfig, staleSecureChannels } from './config.ts';
import type { MkaSettings } from './settings.ts';


interface Supplicant {
  settings: MkaSettings;
  pid?: number;
  timer?: NodeJS.Timeout;
  restarts: number;
}

/** One wpa_supplicant per macsec link, its files under `<state>/macsec/`: IFACE.json (settings, no CAK), .conf (0600, the CAK), .pid, .ctrl/ (control socket). */
export interface MkaSupervisor {
  running(): ReadonlyMap<string, MkaSettings>;
  pid(iface: string): number | undefined;
  /** resolves once the supplicant runs in the background (secured or not yet) */
  start(iface: string, settings: MkaSettings, cak: string): Promise<void>;
  /** what the supplicant says now (undefined: it does not answer) */
  status(iface: string): Promise<{ secured: boolean; ckn?: string } | undefined>;
  /** resolves true once the supplicant has secured the link and set it up, false at the timeout */
  waitSecured(iface: string, timeoutMs: number): Promise<boolean>;
  stop(iface: string): Promise<void>;
  /** stops supervising (the agent exits): the supplicants keep running for the next agent to adopt */
  close(): void;
}

/**
 * Like the DHCP clients' supervisor (dhcp/supervisor.ts): started by an apply, restarted (after a
 * pause growing with each death) while its settings file says it is wanted, stopped by pid, adopted
 * by the next agent on the same state directory when its pid file names a live wpa_supplicant whose
 * command line names our config file. The supplicant reaches fleetnet's macsec link through the
 * parent and the SCI port (see config.ts); it never creates or deletes a link itself.
 */
export function createMkaSupervisor(opts: { dir: string; run: Runner; log: Logger }): MkaSupervisor {
  const { dir, run } = opts;
  const log = opts.log.child({ backend: 'macsec' });
  const sups = new Map<string, Supplicant>();
  const file = (iface: string, ext: string) => join(dir, `${iface}.${ext}`);
  const isOurs = (pid: number, iface: string) => {
    const argv = cmdline(pid);
    return argv.some((a) => a.endsWith('wpa_supplicant')) && argv.includes(file(iface, 'conf'));
  };
  const clear = (s: Supplicant) => (clearTimeout(s.timer), clearInterval(s.timer), (s.timer = undefined));

  const watch = (iface: string, s: Supplicant, pid: number) => {
    clear(s);
    s.timer = setInterval(() => {
      if (alive(pid)) return;
      clear(s);
      if (sups.get(iface) !== s) return;
      // stopped or replaced by another agent on this state directory: not ours to restart
      const other = readPid(file(iface, 'pid'));
      if (!existsSync(file(iface, 'json')) || (other !== undefined && other !== pid && alive(other) && isOurs(other, iface))) {
        sups.delete(iface);
        return;
      }
      s.restarts++;
      const pause = Math.min(30_000, 500 * 2 ** Math.min(s.restarts, 6));
      log.warn({ iface, pid, restarts: s.restarts, pauseMs: pause }, 'wpa_supplicant (MKA) exited; restarting it');
      s.timer = setTimeout(() => {
        if (sups.get(iface) === s) spawn(iface, s).catch((e: Error) => log.error({ iface, err: e.message }, 'wpa_supplicant not restarted'));
      }, pause);
      s.timer.unref();
    }, 1000);
    s.timer.unref();
  };

  /** The SAs and receive channels a supplicant left on the link (none when the link is gone). */
  const clearChannels = async (iface: string) => {
    const shown = await run('ip', ['macsec', 'show', iface], { quiet: true, timeoutMs: 5000 });
    for (const args of shown.exitCode === 0 ? staleSecureChannels(iface, shown.stdout) : []) await run('ip', args, { timeoutMs: 5000 });
  };

  /** wpa_supplicant -B returns once its interface is initialised, the daemon writing its pid file */
  const spawn = async (iface: string, s: Supplicant) => {
    rmSync(file(iface, 'pid'), { force: true });
    await clearChannels(iface);
    const r = await run('wpa_supplicant', ['-B', '-D', 'macsec_linux', '-i', s.settings.base, '-c', file(iface, 'conf'), '-P', file(iface, 'pid')], { timeoutMs: 30_000 });
    if (r.notFound) throw new Error('MACsec MKA needs wpa_supplicant (Debian package wpasupplicant)');
    let pid = readPid(file(iface, 'pid'));
    for (let i = 0; i < 50 && r.exitCode === 0 && !pid; i++) await sleep(100), (pid = readPid(file(iface, 'pid')));
    if (r.exitCode !== 0 || !pid || !alive(pid)) {
      throw new Error(`wpa_supplicant (MKA of ${iface} on ${s.settings.base}) did not start: ${r.stdout.trim() || r.stderr.trim() || `exit code ${r.exitCode}`}`);
    }
    s.pid = pid;
    watch(iface, s, pid);
    log.info({ iface, base: s.settings.base, pid }, 'wpa_supplicant (MKA) started');
  };

  const forget = (iface: string) => {
    for (const ext of ['json', 'conf', 'pid']) rmSync(file(iface, ext), { force: true });
    rmSync(file(iface, 'ctrl'), { recursive: true, force: true });
  };

  const stop = async (iface: string) => {
    const s = sups.get(iface);
    sups.delete(iface);
    rmSync(file(iface, 'json'), { force: true });
    if (s) clear(s);
    const pid = s?.pid ?? readPid(file(iface, 'pid'));
    if (pid && alive(pid) && isOurs(pid, iface)) {
      await terminate(pid);
      log.info({ iface, pid }, 'wpa_supplicant (MKA) stopped');
    }
    // a link that stays (its keys removed) keeps no SA of the stopped key agreement
    await clearChannels(iface);
    forget(iface);
  };

  const status = async (iface: string) => {
    const s = sups.get(iface);
    if (!s) return undefined;
    const r = await run('wpa_cli', ['-p', file(iface, 'ctrl'), '-i', s.settings.base, 'status'], { quiet: true, timeoutMs: 5000 });
    return r.exitCode === 0 ? parseStatus(r.stdout) : undefined;
  };

  // adopt what a previous agent left running
  for (const name of existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : []) {
    const iface = name.slice(0, -'.json'.length);
    try {
      const settings = JSON.parse(readFileSync(join(dir, name), 'utf8')) as MkaSettings;
      const pid = readPid(file(iface, 'pid'));
      if (pid && alive(pid) && isOurs(pid, iface)) {
        const s: Supplicant = { settings, pid, restarts: 0 };
        sups.set(iface, s);
        watch(iface, s, pid);
        log.info({ iface, pid }, 'wpa_supplicant (MKA) adopted');
      } else {
        // not restarted here: a `show` or `plan` must not start processes; the next apply does (the host is out of sync)
        forget(iface);
        log.warn({ iface }, 'wpa_supplicant (MKA) of a previous run is gone; the next apply starts it');
      }
    } catch (e) {
      log.error({ iface, err: (e as Error).message }, 'cannot adopt wpa_supplicant (MKA)');
    }
  }

  return {
    running: () => new Map([...sups].map(([k, s]) => [k, s.settings])),
    pid: (iface) => sups.get(iface)?.pid,
    async start(iface, settings, cak) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      // the CAK: written 0600 from the start (never readable by others, not even for a moment)
      rmSync(file(iface, 'conf'), { force: true });
      writeFileSync(file(iface, 'conf'), renderConfig(settings, cak, file(iface, 'ctrl')), { mode: 0o600 });
      chmodSync(file(iface, 'conf'), 0o600);
      writeFileSync(file(iface, 'json'), JSON.stringify(settings));
      const s: Supplicant = { settings, restarts: 0 };
      sups.set(iface, s);
      try {
        await spawn(iface, s);
      } catch (e) {
        sups.delete(iface);
        forget(iface);
        throw e;
      }
    },
    status,
    async waitSecured(iface, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      // secured first, then the supplicant opens the controlled port: it sets the link up
      const linkUp = async () => {
        const r = await run('ip', ['-j', 'link', 'show', 'dev', iface], { quiet: true, timeoutMs: 5000 });
        return r.exitCode === 0 && /"flags":\[[^\]]*"UP"/.test(r.stdout);
      };
      for (;;) {
        if ((await status(iface))?.secured && (await linkUp())) return true;
        if (Date.now() >= deadline || !sups.has(iface)) return false;
        await sleep(500);
      }
    },
    stop,
    close() {
      for (const s of sups.values()) clear(s);
      sups.clear();
    },
  };
}
