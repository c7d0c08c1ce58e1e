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
  /** the program is not installed (the command never ran) */
  notFound: boolean;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  /** log a success at debug level only (frequent reads) */
  quiet?: boolean;
}

/** A long-running command (e.g. `ip monitor`) whose output is streamed. */
export interface StreamedCommand {
  readonly pid: number | undefined;
  /** resolves with the exit code when the process ends, however it ends */
  readonly exited: Promise<number | undefined>;
  stop(): void;
}

/**
 * The agent's only way to start a process: called, it runs one command to completion (argv only,
 * never a shell string), logs it and never throws for a non-zero exit; `stream` starts a long-running
 * one. Both run in the runner's network namespace.
 */
export interface Runner {
  (cmd: string, args: string[], opts?: RunOptions): Promise<CommandResult>;
  stream(cmd: string, args: string[], onData: (chunk: string) => void): StreamedCommand;
}

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
  const run = async (cmd: string, args: string[], runOpts: RunOptions = {}): Promise<CommandResult> => {
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
      notFound: (r as { code?: string }).code === 'ENOENT',
    };
    const entry = {
      argv,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      stderr: result.stderr.trim() || undefined,
      stdin: runOpts.input,
    };
    if (result.exitCode === 0) opts.log[runOpts.quiet ? 'debug' : 'info'](entry, 'command');
    else opts.log.warn({ ...entry, timedOut: result.timedOut || undefined }, 'command failed');
    return result;
  };
  const stream = (cmd: string, args: string[], onData: (chunk: string) => void): StreamedCommand => {
    const argv = argvOf(cmd, args);
    const child = execa(argv[0]!, argv.slice(1), { reject: false, stdin: 'ignore', buffer: false });
    opts.log.info({ argv, pid: child.pid }, 'command started');
    child.stdout?.on('data', (chunk: Buffer) => onData(String(chunk)));
    const exited = child.then((r) => {
      opts.log.info({ argv, pid: child.pid, exitCode: r.exitCode }, 'command exited');
      return r.exitCode;
    });
    return { pid: child.pid, exited, stop: () => void child.kill('SIGTERM') };
  };
  return Object.assign(run, { stream });
}

export const commandText = (argv: string[]) => argv.join(' ');
