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
 * a second; a periodic full read catches what netlink does not announce (and reports only a change).
 * Returns a function that stops watching.
 */
export function watchDrift(onChange: (state: NetworkState) => void, opts: DriftOptions): () => void {
  const debounceMs = opts.debounceMs ?? 150;
  const intervalMs = opts.intervalMs ?? 30_000;
  let last: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let reading = false;
  let again = false;
  /** a netlink event came since the last read */
  let eventSeen = false;

  const check = async () => {
    if (stopped) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    const fromEvent = eventSeen;
    eventSeen = false;
    try {
      const state = await opts.read();
      const text = canonicalJson(state);
      // After an event the state is always passed on, even when it reads as the last one did: a change
      // and a second one within the debounce (the agent's own apply, then a hand edit back) would
      // otherwise look like nothing happened. Only the periodic read leaves an unchanged state out.
      if (last !== undefined && (fromEvent || text !== last) && !stopped) onChange(state);
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
    monitor = opts.run.stream('ip', ['monitor', 'link', 'address', 'route'], () => {
      eventSeen = true;
      schedule();
    });
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
