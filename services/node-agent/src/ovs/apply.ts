import type { Logger } from 'pino';
import { ExecutionError, type Operation } from '../backend.ts';
import { interfaceErrors, listOvsTables } from './read.ts';
import type { Vsctl } from './vsctl.ts';

type OvsOp = Extract<Operation, { backend: 'ovs' }>;

/** The interfaces an operation makes OVS open: the port itself, or a bond's members. */
function opened(o: OvsOp): string[] {
  const i = o.args.indexOf('add-bond');
  if (i >= 0) return o.args.slice(i + 3).filter((a) => !a.includes('='));
  return o.args.includes('add-port') || o.args.includes('add-br') ? [o.target] : [];
}

/** The whole transaction's command line: `ovs-vsctl -- cmd1 -- cmd2 ...` (options of a command follow its `--`). */
export const transactionArgs = (ops: OvsOp[]) => ops.flatMap((o) => ['--', ...o.args]);

/**
 * Runs every OVS operation in ONE ovs-vsctl transaction, so OVS either takes all of it or none.
 * ovs-vsctl succeeds even when ovs-vswitchd then cannot open a port's device, so afterwards the
 * interfaces this transaction added are checked for an OVS `error`, which fails the execution.
 */
export async function applyOvs(vsctl: Vsctl, operations: Operation[], log: Logger): Promise<void> {
  const ops = operations.filter((o): o is OvsOp => o.backend === 'ovs');
  if (!ops.length) return;
  for (const o of ops) log.info({ target: o.target, args: o.args }, o.description);
  const r = await vsctl.run(transactionArgs(ops));
  if (r.exitCode !== 0) {
    const why = r.unavailable ? 'Open vSwitch is not running or its database is unreachable' : 'transaction rejected, nothing was changed';
    throw new ExecutionError(`ovs-vsctl failed (${why}): ${r.stderr.trim()}`, undefined, r.argv, r.stderr, r.exitCode);
  }
  const touched = new Set(ops.flatMap(opened));
  if (!touched.size) return;
  const tables = await listOvsTables(vsctl);
  const errs = [...interfaceErrors(tables?.interface ?? { headings: [], data: [] })].filter(([n]) => touched.has(n));
  if (errs.length) {
    const msg = errs.map(([n, e]) => `${n}: ${e}`).join('; ');
    const culprit = ops.find((o) => opened(o).includes(errs[0]![0]));
    throw new ExecutionError(`OVS accepted the transaction but cannot use ${msg}`, culprit, r.argv, msg, r.exitCode);
  }
}
