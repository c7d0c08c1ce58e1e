import type { ErrorInfo, Nic, NetworkState, Timings } from '@fleetnet/contracts';
import { compare, macCandidates, resolveMacIdentifiers } from '@fleetnet/contracts';
import { ExecutionError, type Backend, type Operation, type PlanContext } from '../backend.ts';
import { checkpointFor, dropCheckpoint, writeCheckpoint, type Checkpoint } from '../checkpoint.ts';
import { commandText, type Runner } from '../exec.ts';
import type { Capabilities } from '../linux/capabilities.ts';
import type { Logger } from '../log.ts';
import { nextCreated, planAll, type Plan } from '../plan.ts';
import type { ReadResult, ReadScope } from '../read.ts';
import { CREATED_FILE, LAST_GOOD_FILE, type StateDir } from '../state-dir.ts';
import { planContext } from './context.ts';
import type { Executor } from './execute.ts';
import { probeAfter, probeBefore } from './probe.ts';
import { rollback } from './rollback.ts';
import type { ApplyOptions, ApplyResult } from './types.ts';
import { cannotApply, refusal, validateAndResolve } from './validate.ts';
import { notInSync, verify } from './verify.ts';

/** The host as the apply steps see it: its backends, its state directory, how to read and to execute. */
export interface Host {
  backends: Backend[];
  stateDir: StateDir;
  log: Logger;
  run: Runner;
  capabilities?: Capabilities;
  read(scope?: ReadScope): Promise<ReadResult>;
  readNics(): Nic[];
  execute: Executor;
}

export type HostPlan = Plan & { ctx: PlanContext };

type Outcome = Omit<ApplyResult, 'timings'>;

/** Plan: every backend's operations for the (validated, resolved) desired state, ordered by stage. */
export async function planFor(host: Host, desired: NetworkState, actual: ReadResult, opts: ApplyOptions = {}): Promise<HostPlan> {
  const ctx = await planContext(host.stateDir, host.capabilities, desired, actual, host.log);
  // a DHCP start waits for its lease as long as the policy lets its probes take, when it says
  const leaseTimeoutMs = opts.timeoutMs ?? (opts.probes?.timeoutSeconds !== undefined ? opts.probes.timeoutSeconds * 1000 : undefined);
  if (leaseTimeoutMs !== undefined) ctx.leaseTimeoutMs = leaseTimeoutMs;
  return { ...planAll(host.backends, desired, actual.state, ctx), ctx };
}

/** Execute: the operations in order; how many ran, and the error of the one that failed. */
async function executeStep(host: Host, ops: Operation[], log: Logger): Promise<{ executed: number; error?: ErrorInfo }> {
  let executed = 0;
  try {
    await host.execute(ops, (n) => (executed = n));
    return { executed };
  } catch (e) {
    const error: ErrorInfo = { message: (e as Error).message };
    if (e instanceof ExecutionError) {
      if (e.command.length) error.command = commandText(e.command);
      if (e.stderr) error.stderr = e.stderr.trim();
      if (e.operation) error.operation = e.operation.description;
    }
    log.error({ err: error }, 'apply failed');
    return { executed, error };
  }
}

/** Commit: what fleetnet created and the desired state that holds, written; the checkpoint dropped. */
function commit(host: Host, plan: HostPlan, before: ReadResult, after: ReadResult, desired: NetworkState, version?: number): void {
  host.stateDir.writeJson(CREATED_FILE, nextCreated(plan.ctx.created, before.state, after.state, desired));
  host.stateDir.writeJson(LAST_GOOD_FILE, { at: new Date().toISOString(), version, desired });
  dropCheckpoint(host.stateDir);
}

/** Roll back (or with noRollback only report): the host back to the checkpoint's state. */
async function rollBackOrFail(host: Host, plan: HostPlan, checkpoint: Checkpoint, opts: ApplyOptions, error: ErrorInfo, executed: number): Promise<Outcome> {
  const base = { operations: plan.operations, executed };
  if (opts.noRollback) {
    dropCheckpoint(host.stateDir);
    const after = await host.read();
    return { ...base, phase: 'Failed', comparison: compare(plan.desired, after.state), error };
  }
  const rb = await rollback(host, checkpoint.before, checkpoint.files);
  dropCheckpoint(host.stateDir);
  if (!rb.restored) error = { ...error, message: `${error.message}; the rollback did not restore everything${rb.error ? ` (${rb.error})` : ''}` };
  return { ...base, phase: rb.restored ? 'RolledBack' : 'Failed', comparison: compare(plan.desired, rb.now.state), rollbackOperations: rb.operations, error };
}

/** A plan with nothing to run: in sync (and then the last good state), or a state the planner cannot reach. */
function nothingToRun(host: Host, plan: HostPlan, before: ReadResult, desired: NetworkState, version?: number): Outcome {
  const comparison = compare(plan.desired, before.state);
  if (comparison.inSync) host.stateDir.writeJson(LAST_GOOD_FILE, { at: new Date().toISOString(), version, desired });
  return {
    phase: comparison.inSync ? 'Applied' : 'Failed', comparison, operations: [], executed: 0,
    ...(comparison.inSync ? {} : { error: { message: 'not in sync, and the planner found nothing to change' } }),
  };
}

function stopwatch() {
  const timings: Timings = {};
  const t0 = performance.now();
  return {
    timings,
    /** runs `fn`, adding its duration to `timings[key]` */
    async time<T>(key: Exclude<keyof Timings, 'totalMs'>, fn: () => Promise<T>): Promise<T> {
      const t = performance.now();
      try {
        return await fn();
      } finally {
        timings[key] = (timings[key] ?? 0) + Math.round(performance.now() - t);
      }
    },
    total: () => (timings.totalMs = Math.round(performance.now() - t0)),
  };
}

/**
 * The apply, as DESIGN.md's steps: validate and resolve → read → plan → probe (before) → checkpoint
 * → execute → verify → probe (after) → commit, or roll back from the checkpoint at the first failure.
 */
export async function apply(host: Host, desired: NetworkState, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const log = opts.version !== undefined ? host.log.child({ version: opts.version }) : host.log;
  const clock = stopwatch();
  const finish = (r: Outcome): ApplyResult => {
    clock.total();
    log.info({ phase: r.phase, error: r.error, executed: r.executed, timings: clock.timings }, 'apply finished');
    return { ...r, timings: clock.timings };
  };
  const refused = (message: string): ApplyResult =>
    finish({ phase: 'Failed', comparison: { inSync: false, results: [] }, operations: [], executed: 0, error: { message } });

  const checked = validateAndResolve(desired, host.readNics);
  if (!checked.ok) return refused(refusal(checked));
  desired = checked.desired;
  // The read before is whole: it is the checkpoint a rollback restores, and a rollback compares all
  // of it with a whole read of the host (a scoped one would make every rule it left out look new).
  const before = await clock.time('readMs', () => host.read());
  // identifier: mac-address names a NIC by MAC: the links just read say which kernel name that is
  const identified = resolveMacIdentifiers(desired, macCandidates(before.state), { strict: true });
  if (identified.errors.length) return refused(cannotApply(identified.errors));
  desired = identified.state;
  const plan = await clock.time('planMs', () => planFor(host, desired, before, opts));
  if (plan.errors.length) {
    return finish({ phase: 'Failed', comparison: compare(plan.desired, before.state), operations: plan.operations, executed: 0, error: { message: cannotApply(plan.errors) } });
  }
  if (!plan.operations.length) return finish(nothingToRun(host, plan, before, desired, opts.version));

  const probes = await clock.time('probeMs', () => probeBefore(host.run, opts, before.state));
  log.info({ probes: probes.outcomes }, 'probes before the change');
  const checkpoint = checkpointFor(before.state, plan.ctx.created, plan.operations, opts.version);
  try {
    writeCheckpoint(host.stateDir, checkpoint);
  } catch (e) {
    // no checkpoint on disk, no change: a full state disk stops the apply before it starts
    return refused(`the apply did not start: ${(e as Error).message}`);
  }
  const undo = async (error: ErrorInfo, executed: number) => finish(await rollBackOrFail(host, plan, checkpoint, opts, error, executed));

  const ran = await clock.time('applyMs', () => executeStep(host, plan.operations, log));
  if (ran.error) return undo(ran.error, ran.executed);
  // the verify only compares what the desired state names: it reads only what that can touch (read.ts)
  const scope: ReadScope = { for: plan.desired };
  const verified = await clock.time('verifyMs', () => verify(() => host.read(scope), plan.desired));
  if (!verified.comparison.inSync) return undo({ message: notInSync(verified.comparison) }, ran.executed);
  const after = await clock.time('probeMs', () => probeAfter(probes));
  const failed = after.find((r) => !r.ok);
  if (failed) {
    const res = await undo({ message: `probe "${failed.name}" failed after the change: ${failed.message ?? 'failed'}`, probe: failed.name }, ran.executed);
    return { ...res, probes: { before: probes.outcomes, after } };
  }
  commit(host, plan, before, verified.state, desired, opts.version);
  return { ...finish({ phase: 'Applied', comparison: verified.comparison, operations: plan.operations, executed: ran.executed }), probes: { before: probes.outcomes, after } };
}
