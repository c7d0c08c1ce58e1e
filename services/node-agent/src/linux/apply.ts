import { ExecutionError, type Operation } from '../backend.ts';
import type { Runner } from '../exec.ts';
import { commandText } from '../exec.ts';

type LinuxOp = Extract<Operation, { backend: 'linux' }>;

/**
 * Runs Linux operations: each run of consecutive `ip` lines in ONE `ip -batch -` process (and of
 * `bridge` lines in one `bridge -batch -`). Without -force, iproute2 stops at the first failing line
 * and names it ("Command failed -:N"), so the failed operation is known exactly.
 */
export async function executeLinux(run: Runner, operations: Operation[]): Promise<void> {
  const ops = operations.filter((o): o is LinuxOp => o.backend === 'linux');
  let i = 0;
  while (i < ops.length) {
    const tool = ops[i]!.tool;
    let j = i;
    while (j < ops.length && ops[j]!.tool === tool) j++;
    const group = ops.slice(i, j);
    const r = await run(tool, ['-batch', '-'], { input: group.map((o) => o.line).join('\n') + '\n' });
    if (r.exitCode !== 0) {
      const m = r.stderr.match(/Command failed -:(\d+)/);
      const failed = m ? group[Number(m[1]) - 1] : undefined;
      const why = r.stderr.split('\n').map((s) => s.trim()).filter((s) => s && !s.startsWith('Command failed')).join('; ');
      throw new ExecutionError(
        failed ? `"${failed.description}" failed: ${why || `exit ${r.exitCode}`}` : `${commandText(r.argv)} failed: ${why || `exit ${r.exitCode}`}`,
        failed,
        r.argv,
        r.stderr,
        r.exitCode,
      );
    }
    i = j;
  }
}
