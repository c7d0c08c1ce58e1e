import type { Nic, NetworkState } from '@fleetnet/contracts';
import { macCandidates, resolveMacIdentifiers } from '@fleetnet/contracts';
import type { Backend, Operation } from '../backend.ts';
import { dropCheckpoint, readCheckpoint, type Checkpoint, type CorruptCheckpoint } from '../checkpoint.ts';
import type { Runner } from '../exec.ts';
import type { Capabilities } from '../linux/capabilities.ts';
import type { Logger } from '../log.ts';
import { readAll, type ReadResult } from '../read.ts';
import type { StateDir } from '../state-dir.ts';
import { apply, planFor, type Host, type HostPlan } from './apply.ts';
import { backendExecutor, pausingExecutor } from './execute.ts';
import { rollback } from './rollback.ts';
import type { ApplyOptions, ApplyResult } from './types.ts';
import { InvalidDesiredState, validateAndResolve } from './validate.ts';

export type { ApplyOptions, ApplyPhase, ApplyResult } from './types.ts';
export { InvalidDesiredState } from './validate.ts';
export { pauseAfterOpFromEnv } from './execute.ts';

/** What recoverFromCrash found: a checkpoint rolled back to, or one that could not be read (`corrupt`). */
export type Recovery = { rolledBack: boolean; operations: Operation[]; error?: string } & (
  | { checkpoint: Checkpoint; corrupt?: undefined }
  | { checkpoint?: undefined; corrupt: CorruptCheckpoint }
);

export interface ReconcilerDeps {
  backends: Backend[];
  stateDir: StateDir;
  log: Logger;
  run: Runner;
  capabilities?: Capabilities;
  /** crash tests only: stop for good after this many operations of an execution (see pausingExecutor) */
  pauseAfterOp?: number;
}

/** The backend with the NIC inventory (SR-IOV's sysfs read), for hardware matching and facts. */
const nicSource = (backends: Backend[]) =>
  backends.find((b): b is Backend & { readNics(): Nic[] } => typeof (b as { readNics?: unknown }).readNics === 'function');

export function createReconciler(deps: ReconcilerDeps) {
  const nics = nicSource(deps.backends);
  const executor = backendExecutor(deps.backends);
  const host: Host = {
    ...deps,
    read: (scope) => readAll(deps.backends, scope),
    readNics: () => nics?.readNics() ?? [],
    execute: deps.pauseAfterOp === undefined ? executor : pausingExecutor(executor, deps.pauseAfterOp, deps.log),
  };

  /** What an apply would do, without doing it; a desired state refused before planning throws InvalidDesiredState. */
  async function plan(desired: NetworkState): Promise<HostPlan & { actual: ReadResult }> {
    const checked = validateAndResolve(desired, host.readNics);
    if (!checked.ok) throw new InvalidDesiredState(checked.errors);
    const actual = await host.read();
    const identified = resolveMacIdentifiers(checked.desired, macCandidates(actual.state), { strict: true });
    if (identified.errors.length) throw new InvalidDesiredState(identified.errors);
    return { ...(await planFor(host, identified.state, actual)), actual };
  }

  /**
   * A checkpoint left by an apply that died half way: roll back to it. Undefined when there is none.
   * A checkpoint that cannot be read is set aside and the host left as it is (`corrupt`).
   */
  async function recoverFromCrash(): Promise<Recovery | undefined> {
    const { checkpoint: cp, corrupt } = readCheckpoint(deps.stateDir);
    if (corrupt) {
      deps.log.error({ checkpoint: corrupt }, 'the checkpoint of an unfinished apply cannot be read; set aside, the host is left as it is');
      return { rolledBack: false, operations: [], corrupt, error: `checkpoint unreadable, host left as it is: ${corrupt.reason} (set aside as ${corrupt.setAsideAs})` };
    }
    if (!cp) return undefined;
    deps.log.warn({ checkpoint: { createdAt: cp.createdAt, pid: cp.pid, version: cp.version, touches: cp.touches } }, 'found a checkpoint of an unfinished apply; rolling back');
    const rb = await rollback(host, cp.before, cp.files);
    dropCheckpoint(deps.stateDir);
    return { rolledBack: rb.restored, operations: rb.operations, checkpoint: cp, error: rb.error };
  }

  return {
    read: host.read,
    readNics: host.readNics,
    plan,
    apply: (desired: NetworkState, opts: ApplyOptions = {}): Promise<ApplyResult> => apply(host, desired, opts),
    recoverFromCrash,
  };
}
