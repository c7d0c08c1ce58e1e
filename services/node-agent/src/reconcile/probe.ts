import type { NetworkState } from '@fleetnet/contracts';
import type { Runner } from '../exec.ts';
import { DEFAULT_PROBE_TIMEOUT_S, probesFromPolicy } from '../probes/from-policy.ts';
import { runProbe, runProbes, type Probe, type ProbeOutcome } from '../probes/probe.ts';
import type { ApplyOptions } from './types.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ProbesBefore {
  outcomes: ProbeOutcome[];
  /** only the probes that pass before the change are required after it */
  required: Probe[];
  /** how long they may take to pass after the change */
  timeoutMs: number;
}

/** The policy's probes (and the caller's) run once before the change. */
export async function probeBefore(run: Runner, opts: ApplyOptions, before: NetworkState): Promise<ProbesBefore> {
  const timeoutMs = opts.timeoutMs ?? (opts.probes?.timeoutSeconds ?? DEFAULT_PROBE_TIMEOUT_S) * 1000;
  const probes = [...probesFromPolicy(run, opts.probes, before), ...(opts.extraProbes ?? [])];
  const outcomes = await runProbes(probes, Math.min(timeoutMs, 5000));
  return { outcomes, required: probes.filter((_, i) => outcomes[i]!.ok), timeoutMs };
}

/** After the change each required probe is retried until it passes or the timeout is over. */
export async function probeAfter(p: ProbesBefore): Promise<ProbeOutcome[]> {
  const deadline = Date.now() + p.timeoutMs;
  return Promise.all(p.required.map(async (probe) => {
    for (;;) {
      const left = Math.max(500, deadline - Date.now());
      const r = await runProbe(probe, Math.min(left, 2000));
      if (r.ok || Date.now() >= deadline) return { name: probe.name, ...r };
      await sleep(250);
    }
  }));
}
