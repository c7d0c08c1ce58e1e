import { spawn } from 'node:child_process';
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

/** How much of a long-running command's stderr is kept for the log line when it exits. */
const STDERR_TAIL = 4096;
/** A command that ignores SIGTERM at its timeout gets SIGKILL this much later. */
const KILL_GRACE_MS = 5000;

/**
 * One process to its end, with node's own spawn: a CLI process pays for every module it loads, and a
 * process library's streams and pipes are a sixth of the agent's bundle for what fits in these lines.
 */
function runToEnd(argv: string[], o: RunOptions): Promise<Omit<CommandResult, 'argv' | 'durationMs'>> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let notFound = false;
    let failedToStart = false;
    child.stdout!.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    // a command that exits without reading its input must not crash the agent with EPIPE
    child.stdin?.on('error', () => {});
    child.stdin?.end(o.input);
    const timers: NodeJS.Timeout[] = [];
    if (o.timeoutMs !== undefined) {
      timers.push(setTimeout(() => {
        timedOut = true;
        child.kill('SIGTERM');
        timers.push(setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS));
      }, o.timeoutMs));
    }
    child.once('error', (e: NodeJS.ErrnoException) => {
      failedToStart = child.pid === undefined;
      notFound = e.code === 'ENOENT';
      if (!stderr) stderr = e.message;
    });
    child.once('close', (code) => {
      timers.forEach(clearTimeout);
      // a process that never started has no exit code (node reports the errno as one)
      resolve({ exitCode: failedToStart ? undefined : code ?? undefined, stdout, stderr, timedOut, notFound });
    });
  });
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
    const r = await runToEnd(argv, runOpts);
    const result: CommandResult = { argv, ...r, durationMs: Math.round(performance.now() - started) };
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
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    opts.log.info({ argv, pid: child.pid }, 'command started');
    child.stdout.setEncoding('utf8').on('data', onData);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr = (stderr + c).slice(-STDERR_TAIL); });
    const exited = new Promise<number | undefined>((resolve) => {
      child.once('error', (e) => {
        opts.log.warn({ argv, err: e.message }, 'command could not start');
        resolve(undefined);
      });
      // on exit, not close: a grandchild holding the pipes must not keep the command "running"
      child.once('exit', (code) => {
        opts.log.info({ argv, pid: child.pid, exitCode: code ?? undefined, stderr: stderr.trim() || undefined }, 'command exited');
        resolve(code ?? undefined);
      });
    });
    return { pid: child.pid, exited, stop: () => void child.kill('SIGTERM') };
  };
  return Object.assign(run, { stream });
}

export const commandText = (argv: string[]) => argv.join(' ');
