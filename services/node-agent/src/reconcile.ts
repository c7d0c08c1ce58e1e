import type { Comparison, ErrorInfo, NetworkState, Probes, Timings } from '@fleetnet/contracts';
import type { Nic } from '@fleetnet/contracts';
import { canonicalJson, compare, resolveNicMatches, validateNetworkState } from '@fleetnet/contracts';
import { readFileSync, rmSync } from 'node:fs';
import { ExecutionError, STAGES, type Backend, type Operation, type PlanContext } from './backend.ts';
import { dropCheckpoint, readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.ts';
import { commandText, type Runner } from './exec.ts';
import type { Capabilities } from './linux/capabilities.ts';
import type { Logger } from './log.ts';
import { nextCreated, planAll, rollbackDesired, type Plan } from './plan.ts';
import { DEFAULT_PROBE_TIMEOUT_S, probesFromPolicy } from './probes/from-policy.ts';
import { runProbe, runProbes, type Probe, type ProbeOutcome } from './probes/probe.ts';
import { readAll, type ReadResult } from './read.ts';
import { CREATED_FILE, LAST_GOOD_FILE, writeFileDurably, type StateDir } from './state-dir.ts';

/** The files a plan replaces as they are now, so a rollback can put back the very bytes. */
function snapshotFiles(ops: Operation[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const o of ops) {
    if (o.backend !== 'dns' || o.path in out) continue;
    try {
      out[o.path] = readFileSync(o.path, 'utf8');
    } catch {
      out[o.path] = null;
    }
  }
  return out;
}

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

export interface ReconcilerDeps {
  backends: Backend[];
  stateDir: StateDir;
  log: Logger;
  run: Runner;
  capabilities?: Capabilities;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const since = (t: number) => Math.round(performance.now() - t);

export class InvalidDesiredState extends Error {
  override name = 'InvalidDesiredState';
  constructor(readonly errors: { path: string; message: string }[]) {
    super(errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('\n'));
  }
}

/** The pause hook for crash tests: FLEETNET_PAUSE_AFTER_OP=N stops for good after the N-th operation. */
function pauseAfter(): number | undefined {
  const v = process.env.FLEETNET_PAUSE_AFTER_OP;
  return v && /^\d+$/.test(v) ? Number(v) : undefined;
}

export function createReconciler(deps: ReconcilerDeps) {
  const { backends, stateDir, log } = deps;
  const byName = new Map(backends.map((b) => [b.name, b]));

  const read = (): Promise<ReadResult> => readAll(backends);

  const nicSource = backends.find((b): b is Backend & { readNics(): Nic[] } => typeof (b as { readNics?: unknown }).readNics === 'function');
  /** The host's NICs with PCI identity (from the SR-IOV backend's sysfs read), for matching and facts. */
  const readNics = (): Nic[] => nicSource?.readNics() ?? [];

  /** Interfaces selected by hardware identity (`fleetnet.io/match`) become this host's real NICs. */
  function resolveMatches(desired: NetworkState) {
    if (!(desired.interfaces ?? []).some((i) => i['fleetnet.io/match'])) return { state: desired, errors: [] };
    return resolveNicMatches(desired, readNics());
  }

  async function context(desired: NetworkState, actual: ReadResult): Promise<PlanContext> {
    const created = new Set(stateDir.readJson<string[]>(CREATED_FILE) ?? []);
    const actualTypes = new Map((actual.state.interfaces ?? []).map((i) => [i.name, i.type]));
    const toCreate = (desired.interfaces ?? [])
      .filter((i) => i.state !== 'absent' && i.type && actualTypes.get(i.name) !== i.type)
      .map((i) => i.type!);
    const unsupportedTypes = deps.capabilities ? await deps.capabilities.unsupported(toCreate) : {};
    return { created, kernelInterfaces: actual.kernelInterfaces, unsupportedTypes };
  }

  async function plan(desired: NetworkState): Promise<Plan & { actual: ReadResult; ctx: PlanContext }> {
    const v = validateNetworkState(desired);
    if (!v.ok) throw new InvalidDesiredState(v.errors);
    const resolved = resolveMatches(desired);
    if (resolved.errors.length) throw new InvalidDesiredState(resolved.errors);
    desired = resolved.state;
    const actual = await read();
    const ctx = await context(desired, actual);
    return { ...planAll(backends, desired, actual.state, ctx), actual, ctx };
  }

  /**
   * Runs operations in stage order, one backend call per run of same-backend operations. A run may
   * span stages: when no other backend has work between them (e.g. no OVS operation between
   * linux-create and linux-configure), the Linux operations of consecutive stages go to one
   * `ip -batch`, in the same order as stage by stage, so the kernel sees the same sequence.
   */
  async function execute(ops: Operation[], onDone: (n: number) => void): Promise<void> {
    const pause = pauseAfter();
    let done = 0;
    const ordered = STAGES.flatMap((stage) => ops.filter((o) => o.stage === stage));
    let i = 0;
    while (i < ordered.length) {
      const backend = ordered[i]!.backend;
      let j = i;
      while (j < ordered.length && ordered[j]!.backend === backend) j++;
      let chunk = ordered.slice(i, j);
      if (pause !== undefined && done < pause && done + chunk.length > pause) chunk = chunk.slice(0, pause - done);
      const b = byName.get(backend);
      if (!b) throw new ExecutionError(`no ${backend} backend configured`, chunk[0], [], '', undefined);
      try {
        await b.execute(chunk);
      } catch (e) {
        if (e instanceof ExecutionError && e.operation) {
          const k = chunk.indexOf(e.operation);
          if (k > 0) onDone(done + k);
        }
        throw e;
      }
      done += chunk.length;
      onDone(done);
      i += chunk.length;
      if (pause !== undefined && done === pause) {
        log.warn({ after: pause }, 'paused (FLEETNET_PAUSE_AFTER_OP)');
        process.stderr.write(`FLEETNET_PAUSED after operation ${pause}\n`);
        await new Promise(() => setInterval(() => undefined, 1 << 30));
      }
    }
  }

  /** Re-reads until the state matches (the kernel settles addresses and carrier asynchronously). */
  async function verify(desired: NetworkState, attempts = 10): Promise<{ comparison: Comparison; state: ReadResult }> {
    let last!: { comparison: Comparison; state: ReadResult };
    for (let i = 0; i < attempts; i++) {
      const state = await read();
      last = { comparison: compare(desired, state.state), state };
      if (last.comparison.inSync) return last;
      await sleep(200 + i * 100);
    }
    return last;
  }

  /**
   * Back to `before`: plan the difference from what is there now and run it. A rollback operation
   * that fails does not stop the rollback: it re-reads and re-plans (up to three rounds).
   */
  async function rollback(before: NetworkState, files: Record<string, string | null> = {}): Promise<{ operations: Operation[]; restored: boolean; now: ReadResult; error?: string }> {
    const all: Operation[] = [];
    let lastError: string | undefined;
    for (const [path, content] of Object.entries(files)) {
      try {
        if (content === null) rmSync(path, { force: true });
        else writeFileDurably(path, content, 0o644); // resolv.conf is world-readable
        log.warn({ path }, 'restored file from the checkpoint');
      } catch (e) {
        lastError = `cannot restore ${path}: ${(e as Error).message}`;
        log.error({ path, err: (e as Error).message }, 'file restore failed');
      }
    }
    let now = await read();
    for (let round = 0; round < 3; round++) {
      const target = rollbackDesired(before, now.state);
      const p = planAll(backends, target, now.state, { created: new Set(), kernelInterfaces: now.kernelInterfaces }, { removeCreated: false });
      if (p.errors.length) log.warn({ errors: p.errors }, 'rollback plan has problems; running what it can');
      if (!p.operations.length) break;
      log.warn({ operations: p.operations.map((o) => o.description) }, 'rolling back');
      all.push(...p.operations);
      try {
        await execute(p.operations, () => undefined);
        lastError = undefined;
      } catch (e) {
        lastError = (e as Error).message;
        log.error({ err: lastError }, 'rollback operation failed');
      }
      now = await read();
    }
    const rest = rollbackDesired(before, now.state);
    const restored = !(rest.interfaces?.length || rest.routes?.config?.length || rest['dns-resolver']);
    if (!restored) log.error({ remaining: rest }, 'rollback did not restore everything');
    return { operations: all, restored, now, error: lastError };
  }

  async function apply(desired: NetworkState, opts: ApplyOptions = {}): Promise<ApplyResult> {
    const l = opts.version !== undefined ? log.child({ version: opts.version }) : log;
    const t0 = performance.now();
    const timings: Timings = {};
    const done = (r: Omit<ApplyResult, 'timings'>): ApplyResult => {
      timings.totalMs = since(t0);
      l.info({ phase: r.phase, error: r.error, executed: r.executed, timings }, 'apply finished');
      return { ...r, timings };
    };

    const v = validateNetworkState(desired);
    if (!v.ok) {
      return done({
        phase: 'Failed', comparison: { inSync: false, results: [] }, operations: [], executed: 0,
        error: { message: `invalid desired state:\n${v.errors.map((e) => `  ${e.path || '(root)'}: ${e.message}`).join('\n')}` },
      });
    }
    const resolved = resolveMatches(desired);
    if (resolved.errors.length) {
      return done({
        phase: 'Failed', comparison: { inSync: false, results: [] }, operations: [], executed: 0,
        error: { message: `the desired state cannot be applied:\n${resolved.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}` },
      });
    }
    desired = resolved.state;
    let t = performance.now();
    const before = await read();
    timings.readMs = since(t);
    t = performance.now();
    const ctx = await context(desired, before);
    const p = planAll(backends, desired, before.state, ctx);
    timings.planMs = since(t);
    if (p.errors.length) {
      return done({
        phase: 'Failed', comparison: compare(p.desired, before.state), operations: p.operations, executed: 0,
        error: { message: `the desired state cannot be applied:\n${p.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}` },
      });
    }
    if (!p.operations.length) {
      const comparison = compare(p.desired, before.state);
      if (comparison.inSync) stateDir.writeJson(LAST_GOOD_FILE, { at: new Date().toISOString(), version: opts.version, desired });
      return done({
        phase: comparison.inSync ? 'Applied' : 'Failed', comparison, operations: [], executed: 0,
        ...(comparison.inSync ? {} : { error: { message: 'not in sync, and the planner found nothing to change' } }),
      });
    }

    const probeTimeout = opts.timeoutMs ?? (opts.probes?.timeoutSeconds ?? DEFAULT_PROBE_TIMEOUT_S) * 1000;
    const probes = [...probesFromPolicy(deps.run, opts.probes, before.state), ...(opts.extraProbes ?? [])];
    t = performance.now();
    const pre = await runProbes(probes, Math.min(probeTimeout, 5000));
    timings.probeMs = since(t);
    const required = probes.filter((_, i) => pre[i]!.ok);
    l.info({ probes: pre }, 'probes before the change');

    const checkpoint: Checkpoint = {
      createdAt: new Date().toISOString(),
      pid: process.pid,
      version: opts.version,
      before: before.state,
      created: [...ctx.created],
      touches: [...new Set(p.operations.map((o) => o.target))],
      operations: p.operations,
      files: snapshotFiles(p.operations),
    };
    writeCheckpoint(stateDir, checkpoint);

    const fail = async (error: ErrorInfo, executed: number): Promise<ApplyResult> => {
      if (opts.noRollback) {
        dropCheckpoint(stateDir);
        const after = await read();
        return done({ phase: 'Failed', comparison: compare(p.desired, after.state), operations: p.operations, executed, error });
      }
      const rb = await rollback(before.state, checkpoint.files);
      dropCheckpoint(stateDir);
      if (!rb.restored) error = { ...error, message: `${error.message}; the rollback did not restore everything${rb.error ? ` (${rb.error})` : ''}` };
      return done({
        phase: rb.restored ? 'RolledBack' : 'Failed',
        comparison: compare(p.desired, rb.now.state),
        operations: p.operations,
        executed,
        rollbackOperations: rb.operations,
        error,
      });
    };

    let executed = 0;
    t = performance.now();
    try {
      await execute(p.operations, (n) => (executed = n));
    } catch (e) {
      timings.applyMs = since(t);
      const err = e as Error;
      const info: ErrorInfo = { message: err.message };
      if (e instanceof ExecutionError) {
        if (e.command.length) info.command = commandText(e.command);
        if (e.stderr) info.stderr = e.stderr.trim();
        if (e.operation) info.operation = e.operation.description;
      }
      l.error({ err: info }, 'apply failed');
      return fail(info, executed);
    }
    timings.applyMs = since(t);

    t = performance.now();
    const verified = await verify(p.desired);
    timings.verifyMs = since(t);
    if (!verified.comparison.inSync) {
      const off = verified.comparison.results.filter((r) => !r.inSync);
      return fail({ message: `not in sync after apply: ${off.map((r) => `${r.path} expected ${JSON.stringify(r.expected)}, actual ${JSON.stringify(r.actual)}`).join('; ')}` }, executed);
    }

    t = performance.now();
    const deadline = Date.now() + probeTimeout;
    const after: ProbeOutcome[] = await Promise.all(required.map(async (probe) => {
      for (;;) {
        const left = Math.max(500, deadline - Date.now());
        const r = await runProbe(probe, Math.min(left, 2000));
        if (r.ok || Date.now() >= deadline) return { name: probe.name, ...r };
        await sleep(250);
      }
    }));
    timings.probeMs = (timings.probeMs ?? 0) + since(t);
    const failed = after.find((r) => !r.ok);
    if (failed) {
      const res = await fail({ message: `probe "${failed.name}" failed after the change: ${failed.message ?? 'failed'}`, probe: failed.name }, executed);
      return { ...res, probes: { before: pre, after } };
    }

    stateDir.writeJson(CREATED_FILE, nextCreated(ctx.created, before.state, verified.state.state, desired));
    stateDir.writeJson(LAST_GOOD_FILE, { at: new Date().toISOString(), version: opts.version, desired });
    dropCheckpoint(stateDir);
    return { ...done({ phase: 'Applied', comparison: verified.comparison, operations: p.operations, executed }), probes: { before: pre, after } };
  }

  /** A checkpoint left by an apply that died half way: roll back to it. Undefined when there is none. */
  async function recoverFromCrash(): Promise<{ rolledBack: boolean; operations: Operation[]; checkpoint: Checkpoint; error?: string } | undefined> {
    const cp = readCheckpoint(stateDir);
    if (!cp) return undefined;
    log.warn({ checkpoint: { createdAt: cp.createdAt, pid: cp.pid, version: cp.version, touches: cp.touches } }, 'found a checkpoint of an unfinished apply; rolling back');
    const rb = await rollback(cp.before, cp.files);
    dropCheckpoint(stateDir);
    return { rolledBack: rb.restored, operations: rb.operations, checkpoint: cp, error: rb.error };
  }

  const sameState = (a: NetworkState, b: NetworkState) => canonicalJson(a) === canonicalJson(b);

  return { read, readNics, plan, apply, recoverFromCrash, rollback, sameState };
}

export type Reconciler = ReturnType<typeof createReconciler>;
