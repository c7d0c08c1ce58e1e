import type { Command } from 'commander';
import type { RolloutView } from '@fleetnet/contracts';
import { withClient } from '../client.ts';
import { examples, globals, type Ctx } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { phaseColor, type Colors } from '../output/color.ts';
import { parseFormat, render } from '../output/format.ts';
import { progressLine } from '../output/progress.ts';
import { renderTable } from '../output/table.ts';

export function renderRolloutStatus(r: RolloutView, c: Colors): string {
  const head = progressLine({ policy: r.policy, rollout: r }, c);
  const settings = `maxUnavailable ${r.maxUnavailable}, canary ${r.canary}, failureThreshold ${r.failureThreshold}, started ${r.startedAt}`;
  const hosts = Object.entries(r.hosts).sort(([a], [b]) => a.localeCompare(b));
  const table = hosts.length
    ? renderTable(
        ['HOST', 'PHASE', 'VERSION', 'CANARY', 'STARTED', 'FINISHED', 'REASON'],
        hosts.map(([name, h]) => {
          const color = phaseColor(h.phase);
          return [name, color ? c.paint(color, h.phase) : h.phase, h.version ? String(h.version) : '', h.canary ? 'yes' : '', h.startedAt ?? '', h.finishedAt ?? '', h.reason ?? ''];
        }),
      )
    : 'no hosts matched\n';
  return `${head}\n${settings}\n\n${table}`;
}

export function registerRollout(program: Command, ctx: Ctx) {
  program
    .command('rollout')
    .description('pause, resume or inspect the rollout of a policy; recapture its captured values (all hosts, or HOST)')
    .argument('<action>', 'pause | resume | status | recapture')
    .argument('<policy>', 'policy name')
    .argument('[host]', 'recapture only: one host (default: every host)')
    .option('-o, --output <format>', 'table|json|yaml (json/yaml: the RolloutView)', 'table')
    .addHelpText('after', examples('fleetnet rollout status storage-vlan', 'fleetnet rollout pause storage-vlan', 'fleetnet rollout resume storage-vlan', 'fleetnet rollout recapture br-uplink node1    # capture again from node1\'s current state'))
    .action(async (action: string, policy: string, host: string | undefined, opts: { output: string }, cmd: Command) => {
      if (action === 'recapture') {
        const r = await withClient(globals(cmd), (c) => c.request('rollouts.recapture', { policy, ...(host ? { host } : {}) }));
        ctx.out.write(`rollout/${policy} recapture requested for ${host ? `host ${host}` : 'every host'} (revision ${r.revision}): captures are evaluated again from the current state\n`);
        return;
      }
      if (host !== undefined) throw new CliError(`rollout ${action} takes no HOST`, ExitCode.invalid);
      const methods = { pause: 'rollouts.pause', resume: 'rollouts.resume', status: 'rollouts.get' } as const;
      const method = methods[action as keyof typeof methods];
      if (!method) throw new CliError(`unknown rollout action "${action}": use pause, resume or status`, ExitCode.invalid);
      const format = parseFormat(opts.output);
      const { rollout } = await withClient(globals(cmd), (c) => c.request(method, { policy }));
      if (action !== 'status' && format !== 'json' && format !== 'yaml') {
        ctx.out.write(`rollout/${policy} ${action === 'pause' ? 'paused' : 'resumed'} (state ${rollout.state})\n`);
        return;
      }
      ctx.out.write(render(format, rollout, () => renderRolloutStatus(rollout, ctx.colors)));
    });
}
