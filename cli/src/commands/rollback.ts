import type { Command } from 'commander';
import { EventTypes, makeEvent } from '@fleetnet/contracts';
import { subjectFor, withClient } from '../client.ts';
import { examples, globals, type Ctx } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { CLI_SOURCE } from './apply.ts';
import { positiveInt } from './diff.ts';

export function registerRollback(program: Command, ctx: Ctx) {
  program
    .command('rollback')
    .description('publish an earlier desired version of a host again (as a new version)')
    .argument('<resource>', 'host')
    .argument('<name>', 'host name')
    .requiredOption('--to-version <version>', 'the version whose content to restore', positiveInt('--to-version'))
    .addHelpText('after', examples('fleetnet rollback host node1 --to-version 3'))
    .action(async (resource: string, name: string, opts: { toVersion: number }, cmd: Command) => {
      if (!['host', 'hosts'].includes(resource)) throw new CliError(`cannot roll back "${resource}": use rollback host NAME`, ExitCode.invalid);
      const subject = subjectFor('intentHost', name);
      await withClient(globals(cmd), async (c) => {
        const history = await c.request('hosts.history', { name });
        const known = history.versions.map((v) => v.version);
        if (!known.includes(opts.toVersion)) {
          throw new CliError(
            `host ${name} has no desired version ${opts.toVersion} (known: ${known.length ? known.join(', ') : 'none'})`,
            ExitCode.notFound,
          );
        }
        const event = makeEvent(EventTypes.hostRollbackRequested, CLI_SOURCE, subject, { host: name, toVersion: opts.toVersion });
        await c.publishEvent(subject, event);
      });
      ctx.out.write(`host/${name} rollback to version ${opts.toVersion} requested\n`);
    });
}
