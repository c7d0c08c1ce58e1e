import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { stringify } from 'yaml';
import type { NetworkState } from '@fleetnet/contracts';
import { exitQuietlyOnClosedStdout, formatSourceError, loadNetworkState, versionLine } from '@fleetnet/contracts';
import { createAgent } from './agent.ts';
import { registerRunCommand } from './bus/run-command.ts';
import { registerValidateCommand } from './cli/validate.ts';
import { formatComparison, formatOperations } from './format.ts';
import { createLogger } from './log.ts';
import { pauseAfterOpFromEnv } from './reconcile/index.ts';
import { DiskError } from './state-dir.ts';

/** crash tests only: decided once, when the process starts */
const pauseAfterOp = pauseAfterOpFromEnv();
/** Exit codes: 0 in sync / done, 1 not in sync or failed, 2 bad input (nothing ran). */
const EXIT_FAILED = 1;
const EXIT_BAD_INPUT = 2;

interface GlobalOpts {
  stateDir: string;
  ovsDb?: string;
  sysfsRoot: string;
  resolvConf: string;
  hostnameFile: string;
  logLevel: string;
}

class BadInput extends Error {}

function loadFile(file: string): NetworkState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BadInput(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const { state, errors } = loadNetworkState(text, file);
  if (errors.length || !state) throw new BadInput(errors.map(formatSourceError).join('\n'));
  return state;
}

function agentFrom(cmd: Command) {
  const g = cmd.optsWithGlobals() as GlobalOpts;
  const log = createLogger({ level: g.logLevel }).child({ host: hostname() });
  return createAgent({ stateDir: g.stateDir, ovsDb: g.ovsDb, sysfsRoot: g.sysfsRoot, resolvConf: g.resolvConf, hostnameFile: g.hostnameFile, log, pauseAfterOp });
}

function filterState(state: NetworkState, names: string[]): NetworkState {
  if (!names.length) return state;
  const want = new Set(names);
  const missing = names.filter((n) => !(state.interfaces ?? []).some((i) => i.name === n));
  if (missing.length) throw new BadInput(`no such interface: ${missing.join(', ')}`);
  return {
    interfaces: (state.interfaces ?? []).filter((i) => want.has(i.name)),
    routes: { config: (state.routes?.config ?? []).filter((r) => r['next-hop-interface'] && want.has(r['next-hop-interface'])) },
  };
}

const program = new Command('fleetnet-agent')
  .description('read, plan and apply this host\'s network (in the network namespace it runs in)')
  .version(versionLine(), '-V, --version', 'print the version and git commit')
  .option('--state-dir <dir>', 'checkpoint, created interfaces and last-good state', process.env.FLEETNET_STATE_DIR ?? '/var/lib/fleetnet')
  .option('--ovs-db <socket>', 'ovsdb socket, e.g. unix:/run/openvswitch/db.sock (default: ovs-vsctl\'s)')
  .option('--sysfs-root <dir>', 'where sysfs is mounted (SR-IOV)', '/sys')
  .option('--resolv-conf <file>', 'the resolv.conf the agent manages', '/etc/resolv.conf')
  .option('--hostname-file <file>', 'the static hostname file the agent manages (nmstate hostname.config)', '/etc/hostname')
  .option('--log-level <level>', 'pino level of the JSON log on stderr (info logs every command run)', process.env.FLEETNET_LOG_LEVEL ?? 'info')
  .showHelpAfterError()
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : EXIT_BAD_INPUT);
  });

program
  .command('show')
  .description('print the actual state')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
  .argument('[iface...]', 'only these interfaces (and routes through them)')
  .action(async (ifaces: string[], o: { output: 'yaml' | 'json' }, cmd: Command) => {
    const state = filterState(await agentFrom(cmd).read(), ifaces);
    process.stdout.write(o.output === 'json' ? JSON.stringify(state, null, 2) + '\n' : stringify(state));
  });

program
  .command('plan')
  .description('print the ordered operations that apply would run, and nothing else')
  .requiredOption('-f, --file <state.yaml>', 'desired state')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
  .action(async (o: { file: string; output: 'text' | 'json' }, cmd: Command) => {
    const desired = loadFile(o.file);
    const p = await agentFrom(cmd).plan(desired);
    if (o.output === 'json') {
      process.stdout.write(JSON.stringify({ operations: p.operations, errors: p.errors }, null, 2) + '\n');
      if (p.errors.length) process.exitCode = EXIT_BAD_INPUT;
      return;
    }
    if (p.errors.length) throw new BadInput(p.errors.map((e) => `${o.file}: ${e.path}: ${e.message}`).join('\n'));
    if (p.operations.length) process.stdout.write(formatOperations(p.operations) + '\n');
  });

const seconds = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
};

program
  .command('apply')
  .description('apply, verify, probe, then commit or roll back; exit 0 only when in sync')
  .requiredOption('-f, --file <state.yaml>', 'desired state')
  .option('--timeout <s>', 'how long connectivity probes may take after the change', seconds)
  .option('--no-rollback', 'keep the change even when verification or probes fail')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
  .action(async (o: { file: string; timeout?: number; rollback: boolean; output: 'text' | 'json' }, cmd: Command) => {
    const desired = loadFile(o.file);
    const agent = agentFrom(cmd);
    const recovered = await agent.recoverFromCrash();
    if (recovered) {
      process.stdout.write(recovered.checkpoint
        ? `recovered: rolled back an unfinished apply from ${recovered.checkpoint.createdAt} (${recovered.operations.length} operations)${recovered.rolledBack ? '' : ' — NOT fully restored'}\n`
        : `${recovered.error}\n`);
    }
    const r = await agent.apply(desired, { timeoutMs: o.timeout !== undefined ? o.timeout * 1000 : undefined, noRollback: !o.rollback });
    // Rejected before anything ran: the input is wrong, not the host.
    if (r.phase === 'Failed' && r.executed === 0 && r.error && /^(invalid desired state|the desired state cannot be applied)/.test(r.error.message)) {
      throw new BadInput(`${o.file}: ${r.error.message}`);
    }
    process.exitCode = r.phase === 'Applied' && r.comparison.inSync ? 0 : EXIT_FAILED;
    if (o.output === 'json') {
      process.stdout.write(JSON.stringify({ ...(recovered ? { recovered } : {}), ...r }, null, 2) + '\n');
      return;
    }
    const out: string[] = [];
    if (r.operations.length) {
      out.push(`ran ${r.executed} of ${r.operations.length} operations:`);
      out.push(formatOperations(r.operations.slice(0, Math.max(r.executed, 0))));
    } else out.push('nothing to do');
    if (r.rollbackOperations?.length) out.push(`rolled back with ${r.rollbackOperations.length} operations:`, formatOperations(r.rollbackOperations));
    if (r.error) {
      out.push(`error: ${r.error.message}`);
      if (r.error.probe) out.push(`failed probe: ${r.error.probe}`);
      if (r.error.command) out.push(`command: ${r.error.command}`);
    }
    out.push(`phase: ${r.phase}`, '', formatComparison(r.comparison));
    out.push(`in sync: ${r.comparison.inSync && r.phase === 'Applied' ? 'yes' : 'no'}`);
    process.stdout.write(out.join('\n') + '\n');
  });

registerValidateCommand(program, EXIT_BAD_INPUT);
registerRunCommand(program, { pauseAfterOp });

exitQuietlyOnClosedStdout();
// No top-level await: the built binary is one CommonJS script (scripts/build.ts).
program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof BadInput) {
    process.stderr.write(`${e.message}\n`);
    process.exit(EXIT_BAD_INPUT);
  }
  // a disk error (a full state disk, a read-only one) is one line naming the file, not a stack trace
  const disk = (e as NodeJS.ErrnoException)?.code !== undefined || e instanceof DiskError;
  process.stderr.write(`fleetnet-agent: ${disk ? (e as Error).message : (e as Error).stack ?? e}\n`);
  process.exit(EXIT_FAILED);
});
