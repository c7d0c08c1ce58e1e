/**
 * The controller as a child process for the benchmark: the real bin (services/controller/bin), or,
 * with a CPU profile asked for, `node --cpu-prof` on controller-profiled.ts (the bin re-raises
 * SIGTERM after its shutdown hooks, and a process killed by a signal writes no profile).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killPid, onExit } from '../../test/support/cleanup.ts';
import { waitFor } from '../../test/support/ports.ts';

export interface ControllerChild {
  pid: number;
  child: ChildProcess;
  /** warn/error/fatal log lines it printed */
  problems: string[];
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL('../../services/controller/bin/fleetnet-controller.js', import.meta.url));
const PROFILED = fileURLToPath(new URL('./controller-profiled.ts', import.meta.url));

export async function startControllerChild(url: string, opts: { profileDir?: string; logLevel?: string } = {}): Promise<ControllerChild> {
  const args = ['--server', url, '--log-level', opts.logLevel ?? 'warn', '--name', 'bench-controller'];
  const argv = opts.profileDir
    ? ['--cpu-prof', '--cpu-prof-dir', opts.profileDir, '--import', 'tsx', PROFILED, ...args]
    : [BIN, ...args];
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const remove = onExit(`bench-controller-${child.pid}`, () => killPid(child.pid, 'SIGKILL'));
  let ready = false;
  let early = '';
  const problems: string[] = [];
  const onLine = (line: string) => {
    if (!ready) early += `${line}\n`;
    if (line.includes('"msg":"controller ready"')) ready = true;
    const level = /"level":(\d+)/.exec(line)?.[1];
    if (level && Number(level) >= 40 && problems.length < 200) problems.push(line.slice(0, 400));
  };
  const lines = (stream: NodeJS.ReadableStream) => {
    let buf = '';
    stream.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
  };
  lines(child.stdout!);
  lines(child.stderr!);
  await waitFor(() => ready || child.exitCode !== null, 60_000, 'controller ready');
  if (!ready) throw new Error(`controller exited with ${child.exitCode}:\n${early}`);
  return {
    pid: child.pid!,
    child,
    problems,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const done = new Promise((r) => child.once('exit', r));
        killPid(child.pid, 'SIGTERM');
        const t = setTimeout(() => killPid(child.pid, 'SIGKILL'), 15_000);
        await done;
        clearTimeout(t);
      }
      remove();
    },
  };
}
