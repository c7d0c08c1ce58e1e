import type { NetworkState } from '@fleetnet/contracts';
import { canonicalJson } from '@fleetnet/contracts';
import type { Runner, StreamedCommand } from './exec.ts';
import type { Logger } from './log.ts';

export interface DriftOptions {
  read: () => Promise<NetworkState>;
  log: Logger;
  /** starts `ip monitor` (in the runner's namespace) */
  run: Runner;
  /** quiet time after the last netlink event before re-reading (default 150 ms) */
  debounceMs?: number;
  /** full read regardless of events, for what netlink does not announce (OVS, sysfs, resolv.conf) (default 30 s) */
  intervalMs?: number;
}

/**
 * Calls `onChange` with the new state whenever the actual state changes. Netlink events
 * (`ip monitor link address route`) trigger a debounced re-read, so a change is reported well within
 * a second; a periodic full read catches what netlink does not announce. Events that leave the state
 * as it was (e.g. a neighbour refresh) are not reported. Returns a function that stops watching.
 */
export function watchDrift(onChange: (state: NetworkState) => void, opts: DriftOptions): () => void {
  const debounceMs = opts.debounceMs ?? 150;
  const intervalMs = opts.intervalMs ?? 30_000;
  let last: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let reading = false;
  let again = false;

  const check = async () => {
    if (stopped) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      const state = await opts.read();
      const text = canonicalJson(state);
      if (last !== undefined && text !== last && !stopped) onChange(state);
      last = text;
    } catch (e) {
      opts.log.warn({ err: (e as Error).message }, 'drift read failed');
    } finally {
      reading = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(check, debounceMs);
  };

  let monitor: StreamedCommand | undefined;
  const start = () => {
    if (stopped) return;
    monitor = opts.run.stream('ip', ['monitor', 'link', 'address', 'route'], () => schedule());
    opts.log.info({ pid: monitor.pid }, 'drift watcher started');
    void monitor.exited.then((exitCode) => {
      if (stopped) return;
      opts.log.warn({ exitCode }, 'ip monitor exited; restarting');
      setTimeout(start, 1000).unref();
    });
  };
  start();
  void check();
  const periodic = setInterval(check, intervalMs);

  return () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(periodic);
    monitor?.stop();
  };
}
