import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { killPid, onExit } from './cleanup.ts';
import { waitFor } from './ports.ts';

const CONTROLLER_BIN = fileURLToPath(new URL('../../services/controller/bin/fleetnet-controller.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A child process whose output is kept (and written to a log file when given); stopped by pid only. */
export class Proc {
  readonly exited: Promise<number | null>;
  private out = '';
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logFile?: string,
  ) {
    const file: WriteStream | undefined = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
    const take = (d: Buffer) => {
      file?.write(d);
      this.out += d.toString();
      if (this.out.length > 2_000_000) this.out = this.out.slice(-1_000_000);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    // Ctrl-C or a failed test: the process goes with us, before its namespace does
    const forget = onExit(`proc-${name}-${child.pid}`, () => killPid(child.pid, 'SIGKILL'));
    this.exited = new Promise((r) => child.on('close', (code) => {
      forget();
      file?.end();
      r(code);
    }));
  }
  get pid() {
    return this.child.pid;
  }
  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  output() {
    return this.out;
  }
  /** the pino lines at warn level or worse it printed */
  problems(): string[] {
    return this.out.split('\n').filter((l) => Number(/"level":(\d+)/.exec(l)?.[1] ?? 0) >= 40);
  }
  /** the last lines of the log, for failure messages */
  tail(lines = 30) {
    return this.out.trimEnd().split('\n').slice(-lines).join('\n');
  }
  async waitForOutput(re: RegExp, timeoutMs: number) {
    await waitFor(() => re.test(this.out) || !this.running, timeoutMs, `${this.name}: ${re}`);
    if (!re.test(this.out)) throw new Error(`${this.name} exited before printing ${re}:\n${this.tail()}`);
  }
  /** signal, then wait for the exit (SIGKILL after `graceMs`) */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
    if (!this.running) return this.exited;
    killPid(this.child.pid, signal);
    const t = setTimeout(() => killPid(this.child.pid, 'SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }
}

/**
 * The controller as its own process, as deployed (the fleetnet-controller bin; `entry` replaces it,
 * e.g. to run under `node --cpu-prof`); resolves once it printed "controller ready".
 */
export async function startControllerProcess(o: { args: string[]; logFile?: string; entry?: string[] }): Promise<Proc> {
  const child = spawn(process.execPath, [...(o.entry ?? [CONTROLLER_BIN]), ...o.args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new Proc('controller', child, o.logFile);
  await proc.waitForOutput(/"msg":"controller ready"/, 60_000);
  return proc;
}
