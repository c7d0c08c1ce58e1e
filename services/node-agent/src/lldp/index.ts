import type { Interface } from '@fleetnet/contracts';
import { join } from 'node:path';
import { ExecutionError, type Backend } from '../backend.ts';
import type { Runner } from '../exec.ts';
import { lldpAgentRunning } from '../linux/lldp.ts';
import type { Logger } from '../log.ts';
import { createLldpDaemon, inNetns, netnsInode, type LldpDaemon } from './daemon.ts';
import { parseInterfaces, parseNeighbors } from './neighbors.ts';
import { planLldp, type LldpOp } from './plan.ts';

export { planLldp } from './plan.ts';
export { parseNeighbors, parseInterfaces } from './neighbors.ts';

export type LldpBackend = Backend & {
  daemon: LldpDaemon;
  /** another LLDP agent (not fleetnet's) runs in the namespace this agent manages */
  foreignAgentRunning(): boolean;
};

const json = (s: string): unknown => {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
};

/**
 * LLDP: one lldpd per host (network namespace), on the interfaces with `lldp: {enabled: true}`.
 * What is read back is the running daemon's: the interfaces it serves (enabled) and its neighbours
 * (reported only, under `lldp.neighbors`).
 */
export function createLldpBackend(opts: { stateDir: string; run: Runner; log: Logger; netns?: string }): LldpBackend {
  const { run } = opts;
  const daemon = createLldpDaemon({ dir: join(opts.stateDir, 'lldp'), run, log: opts.log });
  const ino = netnsInode(opts.netns);
  return {
    name: 'lldp',
    daemon,
    foreignAgentRunning: () => lldpAgentRunning('/proc', (pid) => (ino === undefined || inNetns('/proc', pid, ino)) && !daemon.isOurs(pid)),
    async read() {
      if (daemon.pid() === undefined) return {};
      const [ifs, nbs] = await Promise.all([
        run('lldpcli', ['-u', daemon.socket, 'show', 'interfaces', '-f', 'json'], { quiet: true, timeoutMs: 10_000 }),
        run('lldpcli', ['-u', daemon.socket, 'show', 'neighbors', '-f', 'json'], { quiet: true, timeoutMs: 10_000 }),
      ]);
      if (ifs.exitCode !== 0) return {}; // not answering: nothing is known to be on
      const neighbors = nbs.exitCode === 0 ? parseNeighbors(json(nbs.stdout)) : new Map();
      const interfaces: Interface[] = parseInterfaces(json(ifs.stdout)).map((name) => {
        const n = neighbors.get(name);
        return { name, lldp: { enabled: true, ...(n?.length ? { neighbors: n } : {}) } };
      });
      return { interfaces };
    },
    plan: (desired, actual) => planLldp(desired, actual, daemon.interfaces()),
    async execute(operations) {
      for (const o of operations as LldpOp[]) {
        try {
          await daemon.configure(o.interfaces);
        } catch (e) {
          const msg = (e as Error).message;
          throw new ExecutionError(msg, o, ['lldpd', '-I', o.interfaces.join(',')], msg, undefined);
        }
      }
    },
  };
}
