import type { Command } from 'commander';
import type { ApiResponse } from '@fleetnet/contracts';
import { withClient } from '../client.ts';
import { examples, globals, type Ctx } from '../context.ts';
import { loadOrFail } from '../load.ts';
import { checkPayloads } from '../payload.ts';
import { renderChanges } from '../output/changes.ts';
import { parseFormat, renderData } from '../output/format.ts';
import type { Colors } from '../output/color.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function renderPlan(plan: ApiResponse<'plan'>, c: Colors): string {
  const n = plan.matchedHosts.length;
  let out = `policy ${c.paint('bold', plan.policy)}: ${n} host${n === 1 ? '' : 's'} matched, ${plan.unmatchedHosts} not matched\n`;
  for (const h of plan.matchedHosts) {
    out += `\n  host ${c.paint('bold', h.host)} (desired version ${h.currentVersion}${h.changes.length ? ` -> ${h.currentVersion + 1}` : ', unchanged'}):\n`;
    out += `    against the current desired state:\n${renderChanges(h.changes, c, '      ')}`;
    out += `    against the last reported actual state:\n${renderChanges(h.actualChanges, c, '      ')}`;
    for (const conflict of h.conflicts) out += `    ${c.paint('red', 'conflict')}: ${conflict}\n`;
  }
  return out;
}

export function registerPlan(program: Command, ctx: Ctx) {
  program
    .command('plan')
    .description('show what applying would do: matched hosts and per-host interface changes (publishes nothing)')
    .requiredOption('-f, --filename <path>', 'policy file, directory, or - for stdin (repeatable)', collect)
    .option('-o, --output <format>', 'table|json|yaml', 'table')
    .addHelpText('after', examples('fleetnet plan -f deploy/examples/demo/20-storage-ovs-bond-vlan.yaml', 'fleetnet plan -f policies/ -o json'))
    .action(async (opts: { filename: string[]; output: string }, cmd: Command) => {
      const format = parseFormat(opts.output);
      const loaded = loadOrFail(opts.filename);
      const plans = await withClient(globals(cmd), async (c) => {
        checkPayloads(c, loaded.map((l) => ({ loaded: l, bytes: Buffer.byteLength(JSON.stringify({ policy: l.policy })) })), 'a plan request');
        const out: ApiResponse<'plan'>[] = [];
        for (const { policy } of loaded) out.push(await c.request('plan', { policy }));
        return out;
      });
      if (format === 'json' || format === 'yaml') ctx.out.write(renderData(format, plans));
      else ctx.out.write(plans.map((p) => renderPlan(p, ctx.colors)).join('\n'));
    });
}
