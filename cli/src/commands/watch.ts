import type { Command } from 'commander';
import { Kvm } from '@nats-io/kv';
import { KvBuckets, parseEvent, parseSubject, type FleetEvent, type HostView, type Labels } from '@fleetnet/contracts';
import { connectClient, type Client } from '../client.ts';
import { examples, globals, type Ctx } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { listAll } from '../list.ts';
import { parseFormat, type OutputFormat } from '../output/format.ts';
import { hostsTable } from '../output/views.ts';
import { matchesSelector as selectorMatches } from '@fleetnet/contracts';
import { parseSelectorArg as parseSelector } from '../selector-arg.ts';
import type { LabelSelector } from '@fleetnet/contracts';

/** Subjects of the three streams; watched live with core subscriptions, which need no consumer rights. */
const EVENT_SUBJECTS = ['fleetnet.intent.>', 'fleetnet.desired.*', 'fleetnet.hello.*', 'fleetnet.state.*', 'fleetnet.sync.*'];

/** One line per event: what happened, to whom, in a few words. */
export function eventSummary(e: FleetEvent): string {
  switch (e.type) {
    case 'fleetnet.policy.upserted.v1': return `policy ${e.data.policy.metadata.name} upserted`;
    case 'fleetnet.policy.deleted.v1': return `policy ${e.data.name} deleted`;
    case 'fleetnet.host.labeled.v1':
      return `host ${e.data.host} labels${Object.entries(e.data.set ?? {}).map(([k, v]) => ` ${k}=${v}`).join('')}${(e.data.remove ?? []).map((k) => ` ${k}-`).join('')}`;
    case 'fleetnet.host.rollback-requested.v1': return `host ${e.data.host} rollback to v${e.data.toVersion} requested`;
    case 'fleetnet.host.retired.v1': return `host ${e.data.host} retired`;
    case 'fleetnet.rollout.paused.v1': return `rollout ${e.data.policy} paused`;
    case 'fleetnet.rollout.resumed.v1': return `rollout ${e.data.policy} resumed`;
    case 'fleetnet.rollout.host-timed-out.v1': return `rollout ${e.data.policy}: host ${e.data.host} timed out after ${e.data.afterSeconds}s`;
    case 'fleetnet.intent.rejected.v1': return `intent ${e.data.subject} rejected: ${e.data.reason}`;
    case 'fleetnet.desired.published.v1':
      return `host ${e.data.host} desired v${e.data.version} (${e.data.sources.map((s) => `${s.policy}@${s.revision}`).join(',') || 'no policies'}${e.data.reason ? `, ${e.data.reason}` : ''})`;
    case 'fleetnet.agent.hello.v1': return `host ${e.data.host} hello (agent ${e.data.agentVersion}, ${e.data.facts.nics.length} NICs)`;
    case 'fleetnet.state.reported.v1': return `host ${e.data.host} state (${e.data.state.interfaces?.length ?? 0} interfaces)`;
    case 'fleetnet.sync.reported.v1':
      return `host ${e.data.host} v${e.data.version} ${e.data.phase}${e.data.inSync === undefined ? '' : e.data.inSync ? ' in sync' : ' out of sync'}${e.data.error ? `: ${e.data.error.message}` : ''}`;
    case 'fleetnet.heartbeat.v1': return `host ${e.data.host} heartbeat`;
    default: return (e as FleetEvent).type;
  }
}

const stopOnSignal = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

async function watchEvents(c: Client, ctx: Ctx, format: OutputFormat, sel: LabelSelector | undefined) {
  // Host labels for `-l`: learned from hello and label events, seeded from the controller when it answers.
  const labels = new Map<string, Labels>();
  if (sel) {
    try {
      const res = await listAll(c, 'hosts.list', {});
      for (const h of res.items) labels.set(h.name, h.labels);
    } catch (e) {
      if (!(e instanceof CliError && e.code === ExitCode.noController)) throw e;
    }
  }
  const subs = EVENT_SUBJECTS.map((s) =>
    c.nc.subscribe(s, {
      callback: (_err, msg) => {
        const p = parseEvent(msg.data);
        if (!p.ok) return;
        const e = p.event;
        const host = parseSubject(msg.subject)?.kind === 'intent-policy' ? undefined : (e.data as { host?: string }).host;
        if (e.type === 'fleetnet.agent.hello.v1') labels.set(e.data.host, e.data.labels);
        if (e.type === 'fleetnet.host.labeled.v1') {
          const l = { ...(labels.get(e.data.host) ?? {}), ...(e.data.set ?? {}) };
          for (const k of e.data.remove ?? []) delete l[k];
          labels.set(e.data.host, l);
        }
        if (sel && (!host || !selectorMatches(sel, labels.get(host) ?? {}))) return;
        if (format === 'json') ctx.out.write(JSON.stringify(e) + '\n');
        else if (format === 'yaml') ctx.out.write(`---\n${JSON.stringify(e)}\n`);
        else ctx.out.write(`${e.time}  ${ctx.colors.paint('gray', e.type)}  ${eventSummary(e)}\n`);
      },
    }),
  );
  await c.nc.flush();
  ctx.err.write(`watching events on ${c.server} (Ctrl-C to stop)\n`);
  await stopOnSignal();
  for (const s of subs) s.unsubscribe();
}

async function watchHosts(c: Client, ctx: Ctx, format: OutputFormat, sel: LabelSelector | undefined) {
  let kv;
  try {
    kv = await new Kvm(c.js).open(KvBuckets.hosts);
    await kv.status();
  } catch {
    throw new CliError(`no host projection (KV bucket ${KvBuckets.hosts}) on ${c.server}: is a controller running?`, ExitCode.noController);
  }
  const iter = await kv.watch();
  let header = false;
  const stop = stopOnSignal().then(() => iter.stop());
  ctx.err.write(`watching hosts on ${c.server} (Ctrl-C to stop)\n`);
  for await (const entry of iter) {
    if (entry.operation !== 'PUT') continue;
    let h: HostView;
    try {
      h = entry.json<HostView>();
    } catch {
      continue;
    }
    if (!h || typeof h !== 'object' || typeof h.name !== 'string') continue;
    if (sel && !selectorMatches(sel, h.labels ?? {})) continue;
    if (format === 'json') ctx.out.write(JSON.stringify(h) + '\n');
    else if (format === 'yaml') ctx.out.write(`---\n${JSON.stringify(h)}\n`);
    else {
      const table = hostsTable([h], format === 'wide', ctx.colors).split('\n');
      if (!header) ctx.out.write(table[0] + '\n');
      header = true;
      ctx.out.write(table[1] + '\n');
    }
  }
  await stop;
}

export function registerWatch(program: Command, ctx: Ctx) {
  program
    .command('watch')
    .description('live updates until Ctrl-C: host rows as the projection changes, or every event on the streams')
    .argument('[what]', 'hosts | events', 'events')
    .option('-l, --selector <selector>', 'only hosts with these labels')
    .option('-o, --output <format>', 'table|wide|json (one JSON document per line)', 'table')
    .addHelpText('after', examples('fleetnet watch events', 'fleetnet watch hosts -l rack=r1', 'fleetnet watch events -o json | jq .type'))
    .action(async (what: string, opts: { selector?: string; output: string }, cmd: Command) => {
      if (!['hosts', 'events'].includes(what)) throw new CliError(`cannot watch "${what}": use hosts or events`, ExitCode.invalid);
      const format = parseFormat(opts.output);
      const sel = opts.selector !== undefined ? parseSelector(opts.selector) : undefined;
      const c = await connectClient(globals(cmd), { reconnect: true });
      try {
        if (what === 'hosts') await watchHosts(c, ctx, format, sel);
        else await watchEvents(c, ctx, format, sel);
      } finally {
        await c.close();
      }
    });
}
