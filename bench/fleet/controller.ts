/**
 * The controller as a child process for the benchmark: the real bin, or, with a CPU profile asked
 * for, `node --cpu-prof` on controller-profiled.ts (the bin re-raises SIGTERM after its shutdown
 * hooks, and a process killed by a signal writes no profile).
 */
import { fileURLToPath } from 'node:url';
import { startControllerProcess, type Proc } from '../../test/support/proc.ts';

const PROFILED = fileURLToPath(new URL('./controller-profiled.ts', import.meta.url));

export function startControllerChild(url: string, opts: { profileDir?: string; logLevel?: string } = {}): Promise<Proc> {
  return startControllerProcess({
    args: ['--server', url, '--log-level', opts.logLevel ?? 'warn', '--name', 'bench-controller'],
    ...(opts.profileDir ? { entry: ['--cpu-prof', '--cpu-prof-dir', opts.profileDir, '--import', 'tsx', PROFILED] } : {}),
  });
}
