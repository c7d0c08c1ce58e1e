import type { Comparison, ErrorInfo, Probes, Timings } from '@fleetnet/contracts';
import type { Operation } from '../backend.ts';
import type { Probe, ProbeOutcome } from '../probes/probe.ts';

export type ApplyPhase = 'Applied' | 'RolledBack' | 'Failed';

export interface ApplyOptions {
  /** the policy's probes (gateway reachability is on unless `gateway: false`) */
  probes?: Probes;
  /** more checks, e.g. the bus connection */
  extraProbes?: Probe[];
  /** how long probes may take to pass after the change (default: probes.timeoutSeconds, else 5 s) */
  timeoutMs?: number;
  noRollback?: boolean;
  /** the desired version, for logs and the checkpoint */
  version?: number;
}

export interface ApplyResult {
  phase: ApplyPhase;
  comparison: Comparison;
  /** the planned operations, in order */
  operations: Operation[];
  /** how many of them ran */
  executed: number;
  /** what the rollback ran, when there was one */
  rollbackOperations?: Operation[];
  probes?: { before: ProbeOutcome[]; after: ProbeOutcome[] };
  error?: ErrorInfo;
  timings: Timings;
}
