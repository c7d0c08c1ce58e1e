import { execa } from 'execa';
import type { Logger } from 'pino';
import { BRIDGE_COLUMNS, INTERFACE_COLUMNS, PORT_COLUMNS, type OvsTables } from './read.ts';
import type { OvsdbTable } from './ovsdb.ts';

export interface VsctlResult {
  argv: string[];
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** the binary was missing or the database unreachable: OVS is not running here */
  unavailable: boolean;
}

export interface Vsctl {
  /** the full argv that `args` would run as (with the netns prefix and --db) */
  argv(args: string[]): string[];
  run(args: string[], opts?: { timeoutS?: number }): Promise<VsctlResult>;
  listTables(): Promise<OvsTables | undefined>;
}

const UNAVAILABLE = /database connection failed/;

/** Runs ovs-vsctl against one database, optionally inside a network namespace; every run is logged. */
export function createVsctl(opts: { db?: string; netns?: string; log: Logger }): Vsctl {
  const argv = (args: string[]) => [
    ...(opts.netns ? ['ip', 'netns', 'exec', opts.netns] : []),
    'ovs-vsctl',
    ...(opts.db ? [`--db=${opts.db}`] : []),
    ...args,
  ];
  const run = async (args: string[], o: { timeoutS?: number } = {}): Promise<VsctlResult> => {
    const full = argv([`--timeout=${o.timeoutS ?? 30}`, ...args]);
    const started = performance.now();
    const r = await execa(full[0]!, full.slice(1), { reject: false, stdin: 'ignore' });
    const durationMs = Math.round(performance.now() - started);
    const stderr = String(r.stderr ?? '');
    const unavailable = (r as { code?: string }).code === 'ENOENT' || (r.exitCode !== 0 && UNAVAILABLE.test(stderr));
    opts.log[r.exitCode === 0 ? 'debug' : 'warn']({ argv: full, exitCode: r.exitCode, durationMs, stderr }, 'ovs-vsctl');
    return { argv: full, exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr, unavailable };
  };
  return {
    argv,
    run,
    async listTables() {
      const r = await run([
        '--format=json',
        '--', `--columns=${BRIDGE_COLUMNS.join(',')}`, 'list', 'Bridge',
        '--', `--columns=${PORT_COLUMNS.join(',')}`, 'list', 'Port',
        '--', `--columns=${INTERFACE_COLUMNS.join(',')}`, 'list', 'Interface',
      ], { timeoutS: 10 });
      if (r.unavailable) return undefined;
      if (r.exitCode !== 0) throw new Error(`${r.argv.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
      const tables = r.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as OvsdbTable);
      const [bridge, port, iface] = tables;
      if (!bridge || !port || !iface) throw new Error(`ovs-vsctl printed ${tables.length} tables, expected 3`);
      return { bridge, port, interface: iface };
    },
  };
}
