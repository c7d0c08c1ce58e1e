import { execFileSync } from 'node:child_process';
import type { NetworkState } from '@fleetnet/contracts';
import type { Netns } from '../../test/support/netns.ts';
import { benchAgent } from './fleetnet.ts';
import { desiredState, type Scenario } from './scenario.ts';
import { summarize, type Summary } from './stats.ts';

/** The debounce the bus daemon uses (services/node-agent/src/bus/daemon.ts: driftDebounceMs ?? 100). */
export const DAEMON_DEBOUNCE_MS = 100;

export interface DriftResult {
  changes: number;
  debounceMs: number;
  /** ms from just before `ip link set … mtu` is spawned to the watcher's callback carrying the new MTU */
  latencies: number[];
  summary: Summary;
  measuredTo: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Drift latency: the agent's drift watcher (`ip monitor` in the namespace, debounced re-read) runs on a
 * namespace holding the scenario; an MTU is changed by hand `changes` times, each time on the next port
 * to a new value, and the time to the callback that carries the new value is measured.
 */
export async function measureDrift(ns: Netns, s: Scenario, dir: string, changes: number, progress: (m: string) => void): Promise<DriftResult> {
  const agent = benchAgent(ns.name, dir, 'drift');
  const r = await agent.apply(desiredState(s), { probes: { gateway: false, bus: false } });
  if (r.phase !== 'Applied') throw new Error(`drift setup: apply ended ${r.phase}: ${r.error?.message}`);

  let waiter: { iface: string; mtu: number; resolve: (t: number) => void } | undefined;
  const onChange = (state: NetworkState) => {
    const t = performance.now();
    if (!waiter) return;
    const i = state.interfaces?.find((x) => x.name === waiter!.iface);
    if (i?.mtu === waiter.mtu) {
      const w = waiter;
      waiter = undefined;
      w.resolve(t);
    }
  };
  // The periodic full read is an hour away: every report measured here came from netlink events.
  const stop = agent.watchDrift(onChange, { debounceMs: DAEMON_DEBOUNCE_MS, intervalMs: 3_600_000 });
  const latencies: number[] = [];
  try {
    await sleep(800); // the watcher's first read is its baseline, not a change
    for (let i = 0; i < changes; i++) {
      const port = s.ports[i % s.ports.length]!;
      const mtu = 8000 - i * 10;
      const seen = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`drift: no report of ${port.name} mtu ${mtu} within 10 s`)), 10_000);
        waiter = { iface: port.name, mtu, resolve: (t) => { clearTimeout(timer); resolve(t); } };
      });
      const t0 = performance.now();
      execFileSync('ip', ['-n', ns.name, 'link', 'set', port.name, 'mtu', String(mtu)], { stdio: 'ignore' });
      const t1 = await seen;
      latencies.push(t1 - t0);
      progress(`drift: change ${i + 1}/${changes}: ${(t1 - t0).toFixed(0)} ms`);
      await sleep(250); // let the debounce window close before the next change
    }
  } finally {
    stop();
  }
  return {
    changes,
    debounceMs: DAEMON_DEBOUNCE_MS,
    latencies,
    summary: summarize(latencies),
    measuredTo: 'the drift watcher callback with the new state (the bus daemon publishes its state report from this callback; the NATS publish itself is not included)',
  };
}
