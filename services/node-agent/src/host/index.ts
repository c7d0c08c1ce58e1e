import { unlink } from 'node:fs/promises';
import type { NetworkState } from '@fleetnet/contracts';
import { ExecutionError, type Backend, type Operation } from '../backend.ts';
import { writeAtomic } from '../dns/apply.ts';
import { commandText, type Runner } from '../exec.ts';
import type { Logger } from '../log.ts';
import { planForwarding } from './forwarding.ts';
import { planHostname, readHostname } from './hostname.ts';
import type { ReadScope } from '../read.ts';
import type { HostOp } from './op.ts';
import { parseRules, planRules, type IpRule } from './rules.ts';
import { planSlaac } from './slaac.ts';

async function rules(run: Runner, fam: 4 | 6): Promise<IpRule[]> {
  const r = await run('ip', ['-j', `-${fam}`, 'rule', 'show']);
  if (r.exitCode !== 0) throw new Error(`${commandText(r.argv)} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as IpRule[]) : [];
}

async function execute(run: Runner, op: HostOp, log: Logger): Promise<void> {
  if (op.argv) {
    const r = await run(op.argv[0]!, op.argv.slice(1));
    if (op.bestEffort && r.exitCode !== 0) {
      log.warn({ target: op.target, argv: r.argv, exitCode: r.exitCode, notFound: r.notFound || undefined, stderr: r.stderr.trim() || undefined }, `${op.description}: did not work (the apply goes on)`);
      return;
    }
    if (r.exitCode !== 0) throw new ExecutionError(`"${op.description}" failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`, op, r.argv, r.stderr, r.exitCode);
    return;
  }
  try {
    if (op.content === null) await unlink(op.path!).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; });
    else await writeAtomic(op.path!, op.content!);
  } catch (e) {
    const msg = (e as Error).message;
    throw new ExecutionError(msg, op, ['write', op.path!], msg, undefined);
  }
}

/**
 * What nmstate configures on the host beyond links and routes: policy routing rules (`ip rule`, one
 * process per family to read: `ip -batch` cannot switch family), per-interface IPv4 forwarding
 * (read with the links, set with sysctl), IPv6 SLAAC (per-interface sysctls, see slaac.ts) and the
 * hostname (the kernel's, and the static file).
 */
export function createHostBackend(opts: { run: Runner; log: Logger; hostnameFile: string; drivesNetns?: boolean }): Backend {
  const log = opts.log.child({ backend: 'host' });
  return {
    name: 'host',
    read: async (scope?: ReadScope): Promise<NetworkState> => {
      // driving a namespace from outside, the hostname would be this machine's: not read, never restored
      const hostname = opts.drivesNetns ? undefined : readHostname(opts.hostnameFile);
      // planRules touches nothing for a desired state without route-rules: nothing to read for it
      if (scope && !scope.for['route-rules']) {
        const name = await hostname;
        return name ? { hostname: name } : {};
      }
      const [r4, r6, name] = await Promise.all([rules(opts.run, 4), rules(opts.run, 6), hostname]);
      return { 'route-rules': { config: [...parseRules(r4, 4), ...parseRules(r6, 6)] }, ...(name ? { hostname: name } : {}) };
    },
    plan: (desired, actual) => ({
      // From outside a namespace no hostname operation is ever planned, not even by a rollback.
      operations: [...planRules(desired, actual), ...planForwarding(desired, actual), ...planSlaac(desired, actual), ...(opts.drivesNetns ? [] : planHostname(desired, actual, opts.hostnameFile))],
      // A network namespace has no hostname of its own: driving one from outside (tests, the library
      // with `netns`), `hostname` would rename the machine this process runs on.
      errors: opts.drivesNetns && desired.hostname
        ? [{ path: 'hostname', message: 'cannot be set by an agent driving a network namespace from outside (it would rename this machine); run the agent inside the host, or in its own UTS namespace' }]
        : [],
    }),
    execute: async (ops: Operation[]) => {
      for (const op of ops.filter((o): o is HostOp => o.backend === 'host')) {
        await execute(opts.run, op, log);
        log.info({ target: op.target }, op.description);
      }
    },
  };
}
