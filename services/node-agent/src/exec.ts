import { execa } from 'execa';
import type { Logger } from './log.ts';

export interface CommandResult {
  argv: string[];
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** true when the command did not finish before its timeout */
  timedOut: boolean;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
}

/** Runs one command (argv only, never a shell string), logs it, and never throws for a non-zero exit. */
export type Runner = (cmd: string, args: string[], opts?: RunOptions) => Promise<CommandResult>;

/** iproute2 tools enter a namespace themselves (`-n`), without the new mount namespace and sysfs remount of `ip netns exec`. */
const NETNS_AWARE = new Set(['ip', 'bridge']);

/**
 * Every command the agent runs goes through here: it is logged with argv, exit code, duration and
 * stderr. With `netns`, commands run inside that namespace (`ip -n NAME ...` for iproute2, else
 * `ip netns exec NAME ...`), which lets tests drive the agent in-process against a namespace;
 * without it they run where the agent runs.
 */
export function createRunner(opts: { log: Logger; netns?: string }): Runner {
  const { netns } = opts;
  const argvOf = (cmd: string, args: string[]) =>
    !netns ? [cmd, ...args] : NETNS_AWARE.has(cmd) ? [cmd, '-n', netns, ...args] : ['ip', 'netns', 'exec', netns, cmd, ...args];
  return async (cmd, args, runOpts = {}) => {
    const argv = argvOf(cmd, args);
    const started = performance.now();
    const r = await execa(argv[0]!, argv.slice(1), {
      reject: false,
      input: runOpts.input,
      stdin: runOpts.input === undefined ? 'ignore' : undefined,
      timeout: runOpts.timeoutMs,
      stripFinalNewline: false,
    });
    const result: CommandResult = {
      argv,
      exitCode: r.exitCode,
      stdout: String(r.stdout ?? ''),
      stderr: String(r.stderr ?? ''),
      durationMs: Math.round(performance.now() - started),
      timedOut: Boolean(r.timedOut),
    };
    const entry = {
      argv,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      stderr: result.stderr.trim() || undefined,
      stdin: runOpts.input,
    };
    if (result.exitCode === 0) opts.log.info(entry, 'command');
    else opts.log.warn({ ...entry, timedOut: result.timedOut || undefined }, 'command failed');
    return result;
  };
}

export const commandText = (argv: string[]) => argv.join(' ');
