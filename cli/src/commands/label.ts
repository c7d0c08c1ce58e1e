import type { Command } from 'commander';
import { EventTypes, Labels, makeEvent, schemaErrors } from '@fleetnet/contracts';
import { subjectFor, withClient } from '../client.ts';
import { examples, globals, type Ctx } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { CLI_SOURCE } from './apply.ts';

/** kubectl's label arguments: `k=v` sets, `k-` removes. */
export function parseLabelArgs(args: readonly string[]): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq > 0) set[a.slice(0, eq)] = a.slice(eq + 1);
    else if (a.endsWith('-') && a.length > 1) remove.push(a.slice(0, -1));
    else throw new CliError(`cannot read label "${a}": use key=value to set or key- to remove`, ExitCode.invalid);
  }
  const errors = [
    ...schemaErrors(Labels, set),
    // A placeholder value that is always valid, so only the keys being removed are checked.
    ...schemaErrors(Labels, Object.fromEntries(remove.map((k) => [k, 'x']))),
  ];
  if (errors.length) {
    throw new CliError('invalid label', ExitCode.invalid, errors.map((e) => `  ${e.path}: ${e.message}`));
  }
  const both = remove.filter((k) => k in set);
  if (both.length) throw new CliError(`label ${both.join(', ')} is both set and removed`, ExitCode.invalid);
  return { set, remove };
}

export function registerLabel(program: Command, ctx: Ctx) {
  program
    .command('label')
    .description('set (k=v) or remove (k-) labels of a host; policies select hosts by label')
    .argument('<resource>', 'host')
    .argument('<name>', 'host name')
    .argument('<labels...>', 'k=v to set, k- to remove')
    .addHelpText('after', examples('fleetnet label host node1 rack=r1 role=storage', 'fleetnet label host node1 canary-'))
    .action(async (resource: string, name: string, labels: string[], _opts: unknown, cmd: Command) => {
      if (!['host', 'hosts'].includes(resource)) throw new CliError(`cannot label "${resource}": use label host NAME`, ExitCode.invalid);
      const subject = subjectFor('intentHost', name);
      const { set, remove } = parseLabelArgs(labels);
      await withClient(globals(cmd), async (c) => {
        await c.request('hosts.get', { name });
        const event = makeEvent(EventTypes.hostLabeled, CLI_SOURCE, subject, {
          host: name,
          ...(Object.keys(set).length ? { set } : {}),
          ...(remove.length ? { remove } : {}),
        });
        await c.publishEvent(subject, event);
      });
      ctx.out.write(`host/${name} labeled\n`);
    });
}
