import type { Command } from 'commander';
import type { ApiResponse } from '@fleetnet/contracts';
import { withClient } from '../client.ts';
import { examples, globals, type Ctx } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { phaseColor, type Colors } from '../output/color.ts';
import { parseFormat, render } from '../output/format.ts';
import { renderTable } from '../output/table.ts';

export function historyTable(h: ApiResponse<'hosts.history'>, c: Colors): string {
  if (!h.versions.length) return `host ${h.host} has no desired version yet\n`;
  return renderTable(
    ['VERSION', 'TIME', 'POLICIES', 'REASON', 'OUTCOME', 'ERROR'],
    h.versions.map((v) => {
      const color = phaseColor(v.outcome);
      return [
        String(v.version), v.time, v.sources.map((s) => `${s.policy}@${s.revision}`).join(',') || '<none>',
        (v.reason ?? '') + (v.rollbackOf ? ` (rollback to v${v.rollbackOf})` : ''),
        color ? c.paint(color, v.outcome) : v.outcome, v.error?.message ?? '',
      ];
    }),
  );
}

export function registerHistory(program: Command, ctx: Ctx) {
  program
    .command('history')
    .description('every desired version of a host: when, which policies and revisions, outcome')
    .argument('<resource>', 'host')
    .argument('<name>', 'host name')
    .option('-o, --output <format>', 'table|json|yaml', 'table')
    .addHelpText('after', examples('fleetnet history host node1', 'fleetnet history host node1 -o json'))
    .action(async (resource: string, name: string, opts: { output: string }, cmd: Command) => {
      if (!['host', 'hosts'].includes(resource)) throw new CliError(`no history for "${resource}": use history host NAME`, ExitCode.invalid);
      const format = parseFormat(opts.output);
      const res = await withClient(globals(cmd), (c) => c.request('hosts.history', { name }));
      ctx.out.write(render(format, res, () => historyTable(res, ctx.colors)));
    });
}
