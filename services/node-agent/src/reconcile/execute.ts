import { ExecutionError, type Backend, type Operation } from '../backend.ts';
import type { Logger } from '../log.ts';

/**
 * Runs operations already ordered by stage (plan.ts `orderByStage`); `onDone(n)` says how many ran.
 * On failure it throws an ExecutionError after reporting the operations of the failing run that ran.
 */
export type Executor = (ops: Operation[], onDone: (n: number) => void) => Promise<void>;

/**
 * Consecutive operations of one backend: one backend call each. A run may span stages: when no other
 * backend has work between them (e.g. no OVS operation between linux-create and linux-configure), the
 * Linux operations of consecutive stages go to one `ip -batch`, in the same order as stage by stage.
 */
export function groupRuns(ops: Operation[]): Operation[][] {
  const runs: Operation[][] = [];
  for (const o of ops) {
    const last = runs.at(-1);
    if (last && last[0]!.backend === o.backend) last.push(o);
    else runs.push([o]);
  }
  return runs;
}

/** The executor over the host's backends. */
export function backendExecutor(backends: Backend[]): Executor {
  const byName = new Map(backends.map((b) => [b.name, b]));
  return async (ops, onDone) => {
    let done = 0;
    for (const run of groupRuns(ops)) {
      const b = byName.get(run[0]!.backend);
      if (!b) throw new ExecutionError(`no ${run[0]!.backend} backend configured`, run[0], [], '', undefined);
      try {
        await b.execute(run);
      } catch (e) {
        const k = e instanceof ExecutionError && e.operation ? run.findIndex((o) => o === e.operation) : -1;
        if (k > 0) onDone(done + k);
        throw e;
      }
      done += run.length;
      onDone(done);
    }
  };
}

/** The crash tests' switch: FLEETNET_PAUSE_AFTER_OP=N, read once when the process starts. */
export function pauseAfterOpFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.FLEETNET_PAUSE_AFTER_OP;
  return v && /^\d+$/.test(v) ? Number(v) : undefined;
}

/**
 * For crash tests only: runs the first `after` operations of a call, then stops for good (the test
 * kills the process there and checks that the next start rolls back from the checkpoint).
 */
export function pausingExecutor(inner: Executor, after: number, log: Logger, hold: () => Promise<never> = holdForever): Executor {
  return async (ops, onDone) => {
    if (after === 0 || ops.length < after) return inner(ops, onDone);
    await inner(ops.slice(0, after), onDone);
    log.warn({ after }, 'paused (FLEETNET_PAUSE_AFTER_OP)');
    process.stderr.write(`FLEETNET_PAUSED after operation ${after}\n`);
    await hold();
  };
}

/** Never resolves, and keeps the process alive (a one-shot `apply` would otherwise exit). */
const holdForever = () => new Promise<never>(() => setInterval(() => undefined, 1 << 30));
