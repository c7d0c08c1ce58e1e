import { Command, CommanderError } from 'commander';
import { CliError, ExitCode, exitCodeHelp } from './exit-codes.ts';
import { defaultCtx, examples } from './context.ts';
import { DEFAULT_SERVER } from './client.ts';
import { exitQuietlyOnClosedStdout, versionLine } from '@fleetnet/contracts';
import { registerApply } from './commands/apply.ts';
import { registerPlan } from './commands/plan.ts';
import { registerGet } from './commands/get.ts';
import { registerDescribe } from './commands/describe.ts';
import { registerHistory } from './commands/history.ts';
import { registerDiff } from './commands/diff.ts';
import { registerRollback } from './commands/rollback.ts';
import { registerLabel } from './commands/label.ts';
import { registerDelete } from './commands/delete.ts';
import { registerRollout } from './commands/rollout.ts';
import { registerWatch } from './commands/watch.ts';
import { registerConvert } from './commands/convert.ts';
import { registerCompletion } from './commands/completion.ts';
import { registerRender } from './commands/render.ts';

export function buildProgram(ctx = defaultCtx()): Command {
  const program = new Command('fleetnet')
    .description('declare the network of a fleet of Linux hosts and see, per host and property, whether it holds')
    .option('--server <url>', `NATS server URL(s), comma separated (env FLEETNET_SERVER, default ${DEFAULT_SERVER})`)
    .option('--creds <file>', 'NATS credentials: JSON {"user","password"} from deploy/gen-auth.ts, or a NATS .creds file')
    .option('--timeout <duration>', 'how long to wait for the server, e.g. 30s, 2m (default 10s; apply --wait: 10m)')
    .version(versionLine(), '-V, --version', 'print the version and git commit')
    .helpCommand(true)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out.write(s),
      writeErr: (s) => ctx.err.write(s),
    })
    .addHelpText(
      'after',
      examples('fleetnet apply -f policies/ --wait', 'fleetnet get hosts -l rack=r1 -o wide', 'fleetnet describe host node1') +
        `\nExit codes:\n${exitCodeHelp.map(([c, t]) => `  ${c}  ${t}`).join('\n')}\n` +
        '\nEnvironment:\n  FLEETNET_SERVER  default for --server\n  NO_COLOR         disable colour (colour is also off when stdout is not a terminal)\n',
    );
  for (const register of [
    registerApply, registerPlan, registerGet, registerDescribe, registerHistory, registerDiff, registerRollback,
    registerLabel, registerDelete, registerRollout, registerWatch, registerConvert, registerCompletion, registerRender,
  ]) register(program, ctx);
  return program;
}

/** Runs the CLI and returns the exit code; every failure becomes one readable line. */
export async function run(argv: string[], ctx = defaultCtx()): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed its message; help and version are not failures.
      if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(e.code)) return ExitCode.ok;
      if (e.code === 'commander.executeSubCommandAsync') return ExitCode.failed;
      return ExitCode.invalid;
    }
    if (e instanceof CliError) {
      for (const l of e.preamble) ctx.err.write(`${l}\n`);
      ctx.err.write(`error: ${e.message}\n`);
      for (const l of e.lines) ctx.err.write(`${l}\n`);
      return e.code;
    }
    ctx.err.write(`error: ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env.FLEETNET_DEBUG) ctx.err.write(`${(e as Error)?.stack}\n`);
    return ExitCode.failed;
  }
}

const isMain = process.argv[1] !== undefined && /(main\.ts|fleetnet(\.c?js)?)$/.test(process.argv[1]);
if (isMain) {
  exitQuietlyOnClosedStdout();
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exit(ExitCode.failed);
  });
  // No top-level await: the built binary is one CommonJS script (scripts/build.ts).
  void run(process.argv.slice(2)).then((code) => {
    // Flush stdout before leaving: a pipe reader must get every line.
    process.stdout.write('', () => process.exit(code));
  });
}
