import { ExecutionError, type Operation } from '../backend.ts';
import type { Runner } from '../exec.ts';
import { commandText } from '../exec.ts';

type LinuxOp = Extract<Operation, { backend: 'linux' }>;

/**
 * Runs Linux operations (one run of them, as the reconciler groups them): consecutive `ip` lines in
 * ONE `ip -batch -` process, consecutive port VLAN lines in one `bridge -batch -`. Without -force
 * both stop at the first failing line and name it ("Command failed -:N"), so the failed operation is
 * known exactly.
 */
export async function executeLinux(run: Runner, operations: Operation[]): Promise<void> {
  const ops = operations.filter((o): o is LinuxOp => o.backend === 'linux');
  const groups: LinuxOp[][] = [];
  for (const o of ops) {
    const last = groups.at(-1);
    if (last && last[0]!.tool === o.tool) last.push(o);
    else groups.push([o]);
  }
  for (const group of groups) await runBatch(run, group);
}

async function runBatch(run: Runner, ops: LinuxOp[]): Promise<void> {
  const r = await run(ops[0]!.tool ?? 'ip', ['-batch', '-'], { input: ops.map((o) => o.line).join('\n') + '\n' });
  if (r.exitCode === 0) return;
  const m = r.stderr.match(/Command failed -:(\d+)/);
  const failed = m ? ops[Number(m[1]) - 1] : undefined;
  const why = r.stderr.split('\n').map((s) => s.trim()).filter((s) => s && !s.startsWith('Command failed')).join('; ');
  throw new ExecutionError(
    failed ? `"${failed.description}" failed: ${why || `exit ${r.exitCode}`}` : `${commandText(r.argv)} failed: ${why || `exit ${r.exitCode}`}`,
    failed,
    r.argv,
    r.stderr,
    r.exitCode,
  );
}
