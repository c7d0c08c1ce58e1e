import type { CommandResult, Runner } from '../exec.ts';

export interface VsctlResult extends CommandResult {
  /** the binary was missing or the database unreachable: OVS is not running here */
  unavailable: boolean;
}

export interface Vsctl {
  run(args: string[], opts?: { timeoutS?: number; quiet?: boolean }): Promise<VsctlResult>;
}

const UNAVAILABLE = /database connection failed/;

/** ovs-vsctl against one database, through the agent's runner (which adds the namespace and logs). */
export function createVsctl(opts: { db?: string; run: Runner }): Vsctl {
  return {
    async run(args, o = {}) {
      const r = await opts.run('ovs-vsctl', [...(opts.db ? [`--db=${opts.db}`] : []), `--timeout=${o.timeoutS ?? 30}`, ...args], { quiet: o.quiet });
      return { ...r, unavailable: r.notFound || (r.exitCode !== 0 && UNAVAILABLE.test(r.stderr)) };
    },
  };
}
