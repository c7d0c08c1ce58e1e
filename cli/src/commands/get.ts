import type { Command } from 'commander';
import { withClient, type Client } from '../client.ts';
import { examples, globals, type Ctx } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { parseFormat, render } from '../output/format.ts';
import { hostsTable, policiesTable, rolloutsTable } from '../output/views.ts';
import { poolsTable } from '../output/pools.ts';
import { parseSelectorArg as parseSelector } from '../selector-arg.ts';
import { chunkFlag, countFlag, listAll, type ListBody, type ListMethod } from '../list.ts';

export const RESOURCE_KINDS: Record<string, 'hosts' | 'policies' | 'rollouts' | 'pools'> = {
  host: 'hosts', hosts: 'hosts', policy: 'policies', policies: 'policies', rollout: 'rollouts', rollouts: 'rollouts', pool: 'pools', pools: 'pools',
};

export function resourceKind(kind: string): 'hosts' | 'policies' | 'rollouts' | 'pools' {
  const k = RESOURCE_KINDS[kind.toLowerCase()];
  if (!k) throw new CliError(`unknown resource "${kind}": use hosts, policies, rollouts or pools`, ExitCode.invalid);
  return k;
}

interface GetOptions {
  selector?: string;
  phase?: string;
  output: string;
  chunkSize?: string;
  limit?: string;
}

export function registerGet(program: Command, ctx: Ctx) {
  program
    .command('get')
    .description('list hosts, policies or rollouts (one by NAME), as a table or as the contracts\' JSON/YAML')
    .argument('<resource>', 'hosts | policies | rollouts | pools')
    .argument('[name]', 'one host, policy or rollout (by policy name)')
    .option('-l, --selector <selector>', 'label selector, e.g. rack=r1,role in (storage,compute),!canary')
    .option('--phase <phase>', 'hosts only: Pending, Applying, Applied, RolledBack, Failed, Drifted, Unknown')
    .option('-o, --output <format>', 'table|wide|json|yaml', 'table')
    .option('--chunk-size <n>', 'items per request while paging through the list (default 500)')
    .option('--limit <n>', 'show at most N items (says so on stderr when there are more)')
    .addHelpText('after', examples(
      'fleetnet get hosts',
      'fleetnet get hosts -l rack=r1 --phase Failed -o wide',
      'fleetnet get policy storage-vlan -o yaml',
      'fleetnet get rollouts -o json',
      'fleetnet get hosts --limit 20',
      'fleetnet get pool lab -o yaml    # every allocation: host, address, since',
    ))
    .action(async (resource: string, name: string | undefined, opts: GetOptions, cmd: Command) => {
      const kind = resourceKind(resource);
      const format = parseFormat(opts.output);
      const paging = { chunk: chunkFlag(opts.chunkSize), limit: countFlag('--limit', opts.limit) };
      if (name && (opts.chunkSize !== undefined || opts.limit !== undefined)) {
        throw new CliError('--chunk-size and --limit apply to lists, not to one NAME', ExitCode.invalid);
      }
      // The whole list is printed unless --limit cut it on purpose; then stderr says how much is left out.
      const listed = async <M extends ListMethod>(client: Client, method: M, body: ListBody<M>) => {
        const l = await listAll(client, method, body, paging);
        if (l.cut) ctx.err.write(`showing ${l.items.length} of ${l.total} ${kind} (--limit ${paging.limit})\n`);
        return { items: l.items, total: l.total };
      };
      if (opts.selector !== undefined) parseSelector(opts.selector);
      if (opts.phase && kind !== 'hosts') throw new CliError('--phase applies to hosts only', ExitCode.invalid);
      if (opts.selector && kind === 'rollouts') throw new CliError('--selector applies to hosts and policies', ExitCode.invalid);
      const c = ctx.colors;
      if (kind === 'pools' && (opts.selector || opts.chunkSize !== undefined || opts.limit !== undefined)) throw new CliError('--selector, --chunk-size and --limit do not apply to pools', ExitCode.invalid);
      const text = await withClient(globals(cmd), async (client) => {
        if (kind === 'pools') {
          if (name) {
            const { pool } = await client.request('pools.get', { name });
            return render(format, pool, () => poolsTable([pool], c));
          }
          const res = await client.request('pools.list', {});
          return render(format, res, () => (res.items.length ? poolsTable(res.items, c) : 'no pools\n'));
        }
        if (kind === 'hosts') {
          if (name) {
            const { host } = await client.request('hosts.get', { name });
            return render(format, host, (w) => hostsTable([host], w, c));
          }
          const res = await listed(client, 'hosts.list', {
            ...(opts.selector ? { selector: opts.selector } : {}),
            ...(opts.phase ? { phase: opts.phase } : {}),
          });
          return render(format, res, (w) => (res.items.length ? hostsTable(res.items, w, c) : 'no hosts\n'));
        }
        if (kind === 'policies') {
          if (name) {
            const { policy } = await client.request('policies.get', { name });
            return render(format, policy, (w) => policiesTable([policy], w, c));
          }
          const res = await listed(client, 'policies.list', opts.selector ? { selector: opts.selector } : {});
          return render(format, res, (w) => (res.items.length ? policiesTable(res.items, w, c) : 'no policies\n'));
        }
        if (name) {
          const { rollout } = await client.request('rollouts.get', { policy: name });
          return render(format, rollout, (w) => rolloutsTable([rollout], w, c));
        }
        const res = await listed(client, 'rollouts.list', {});
        return render(format, res, (w) => (res.items.length ? rolloutsTable(res.items, w, c) : 'no rollouts\n'));
      });
      ctx.out.write(text);
    });
}
