import type { Command } from 'commander';
import { EventTypes, makeEvent } from '@fleetnet/contracts';
import { subjectFor, withClient } from '../client.ts';
import { examples, globals, type Ctx } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { CLI_SOURCE } from './apply.ts';

export function registerDelete(program: Command, ctx: Ctx) {
  program
    .command('delete')
    .description('delete a policy (hosts it configured revert what only it wanted) or an address pool (its addresses are given back)')
    .argument('<resource>', 'policy | pool')
    .argument('<name>', 'policy or pool name')
    .addHelpText('after', examples('fleetnet delete policy storage-vlan', 'fleetnet delete pool lab'))
    .action(async (resource: string, name: string, _opts: unknown, cmd: Command) => {
      if (['pool', 'pools'].includes(resource)) {
        const subject = subjectFor('intentPool', name);
        await withClient(globals(cmd), async (c) => {
          await c.request('pools.get', { name });
          await c.publishEvent(subject, makeEvent(EventTypes.poolDeleted, CLI_SOURCE, subject, { name }));
        });
        ctx.out.write(`pool/${name} deleted\n`);
        return;
      }
      if (!['policy', 'policies'].includes(resource)) throw new CliError(`cannot delete "${resource}": use delete policy NAME or delete pool NAME`, ExitCode.invalid);
      const subject = subjectFor('intentPolicy', name);
      await withClient(globals(cmd), async (c) => {
        const { policy } = await c.request('policies.get', { name });
        if (policy.deleted) throw new CliError(`policy ${name} is already deleted`, ExitCode.notFound);
        await c.publishEvent(subject, makeEvent(EventTypes.policyDeleted, CLI_SOURCE, subject, { name }));
      });
      ctx.out.write(`policy/${name} deleted\n`);
    });
}
