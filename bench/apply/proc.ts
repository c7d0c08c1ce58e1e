import { spawn } from 'node:child_process';

export interface ProcResult {
  /** wall time from spawn to exit, in ms */
  ms: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** set when the process could not be started at all (e.g. ENOENT) */
  spawnError?: string;
}

/**
 * Runs one process (argv only, no shell) and measures its wall time from spawn to exit.
 * Never throws for a non-zero exit; the caller decides.
 */
export function timeProcess(argv: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<ProcResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    let stdout = '';
    let stderr = '';
    let spawnError: string | undefined;
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (finished) return;
      finished = true;
      const ms = performance.now() - t0;
      if (timer) clearTimeout(timer);
      resolve({ ms, code, signal, stdout, stderr, spawnError });
    };
    child.on('error', (e) => {
      spawnError = e.message;
      finish(null, null);
    });
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          stderr += `\n[bench] killed after ${opts.timeoutMs} ms\n`;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    child.on('close', finish);
  });
}

/** The last lines of a command's output, for error messages. */
export const tail = (text: string, lines = 8) => text.trim().split('\n').slice(-lines).join('\n');
