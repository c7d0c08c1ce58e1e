import type { Scenario } from './scenario.ts';

/** What one measured run gets: a fresh namespace, the scenario, and a private temp directory. */
export interface RunContext {
  ns: string;
  scenario: Scenario;
  /** empty temp directory for this run only (removed afterwards) */
  dir: string;
}

export interface RunOutcome {
  /** the measured wall time, in ms */
  ms: number;
  /** where the time went, when the method can tell (e.g. the agent's own timings) */
  breakdown?: Record<string, number>;
}

/** One way of reaching the scenario's end state. */
export interface Method {
  id: string;
  /** the row label in the table */
  label: string;
  /** one line: what exactly is timed */
  timed: string;
  /** called once before any run: undefined when the method can run here, else the reason it is skipped */
  prepare?(): Promise<string | undefined>;
  /**
   * Reaches the end state in `ctx.ns` and says how long that took. Preparation that is not part of what
   * is measured (writing config files) happens before the clock starts. Throws when the method itself
   * reports a failure.
   */
  run(ctx: RunContext): Promise<RunOutcome>;
}
