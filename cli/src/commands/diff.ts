import type { Command } from 'commander';
import { withClient } from '../client.ts';
import { examples, globals, type Ctx } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { renderChanges } from '../output/changes.ts';
import { parseFormat, renderData } from '../output/format.ts';
import { diffStates } from '../state-diff.ts';

export const positiveInt = (flag: string) => (v: string) => {
  if (!/^[1-9][0-9]*$/.test(v)) throw new CliError(`${flag} must be a version number (1, 2, ...), got "${v}"`, ExitCode.invalid);
  return Number(v);
};

export function registerDiff(program: Command, ctx: Ctx) {
  program
    .command('diff')
    .description('what changed between two desired versions of a host')
    .argument('<resource>', 'host')
    .argument('<name>', 'host name')
    .requiredOption('--from <version>', 'older version', positiveInt('--from'))
    .option('--to <version>', 'newer version (default: the latest)', positiveInt('--to'))
    .option('-o, --output <format>', 'table|json|yaml (json/yaml: a list of changes)', 'table')
    .addHelpText('after', examples('fleetnet diff host node1 --from 3 --to 5', 'fleetnet diff host node1 --from 3'))
    .action(async (resource: string, name: string, opts: { from: number; to?: number; output: string }, cmd: Command) => {
      if (!['host', 'hosts'].includes(resource)) throw new CliError(`cannot diff "${resource}": use diff host NAME`, ExitCode.invalid);
      const format = parseFormat(opts.output);
      const [a, b] = await withClient(globals(cmd), async (c) => [
        await c.request('hosts.desired', { name, version: opts.from }),
        await c.request('hosts.desired', opts.to !== undefined ? { name, version: opts.to } : { name }),
      ]);
      const changes = diffStates(a!.state, b!.state);
      if (format === 'json' || format === 'yaml') return void ctx.out.write(renderData(format, changes));
      ctx.out.write(`host ${name}: version ${a!.version} -> ${b!.version}\n${renderChanges(changes, ctx.colors)}`);
    });
}
