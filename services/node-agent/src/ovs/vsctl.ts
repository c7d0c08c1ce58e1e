import { existsSync } from 'node:fs';
import type { CommandResult, Runner } from '../exec.ts';

export interface VsctlResult extends CommandResult {
  /** the binary was missing or the database unreachable: OVS is not running here */
  unavailable: boolean;
}

export interface Vsctl {
  run(args: string[], opts?: { timeoutS?: number; quiet?: boolean }): Promise<VsctlResult>;
}

const UNAVAILABLE = /database connection failed/;

/**
 * The unix socket ovs-vsctl would connect to (its own default when `db` is not given), or undefined
 * for a remote database (tcp:, ssl:), which only a connection attempt can tell about.
 */
export function ovsdbSocket(db: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (db === undefined) return `${env.OVS_RUNDIR ?? '/var/run/openvswitch'}/db.sock`;
  return db.startsWith('unix:') ? db.slice('unix:'.length) : undefined;
}

/** ovs-vsctl against one database, through the agent's runner (which adds the namespace and logs). */
export function createVsctl(opts: { db?: string; run: Runner }): Vsctl {
  const socket = ovsdbSocket(opts.db);
  return {
    async run(args, o = {}) {
      const argv = ['ovs-vsctl', ...(opts.db ? [`--db=${opts.db}`] : []), `--timeout=${o.timeoutS ?? 30}`, ...args];
      // No socket, no OVS: say so without a process (every read asks; most hosts have no OVS).
      if (socket !== undefined && !existsSync(socket)) {
        return { argv, exitCode: 1, stdout: '', stderr: `database connection failed (${socket}: no such socket)`, durationMs: 0, timedOut: false, notFound: false, unavailable: true };
      }
      const r = await opts.run(argv[0]!, argv.slice(1), { quiet: o.quiet });
      return { ...r, unavailable: r.notFound || (r.exitCode !== 0 && UNAVAILABLE.test(r.stderr)) };
    },
  };
}
