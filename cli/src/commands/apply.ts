import type { Command } from 'commander';
import { stringify } from 'yaml';
import {
  canonicalJson, encodeEvent, EventTypes, makeEvent, parseEvent, subjects,
  type AddressPool, type HostNetworkPolicy, type RolloutView,
} from '@fleetnet/contracts';
import { connectClient, timeoutOf, type Client } from '../client.ts';
import { examples, globals, type Ctx } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { loadOrFail } from '../load.ts';
import { checkPayloads } from '../payload.ts';
import { ProgressPrinter, progressText, type ProgressItem } from '../output/progress.ts';

export const CLI_SOURCE = 'fleetnet-cli';
const WAIT_DEFAULT_MS = 10 * 60_000;
const POLL_MS = 300;

const collect = (v: string, prev: string[] = []) => [...prev, v];

interface Baseline {
  policy: HostNetworkPolicy;
  /** the revision the upsert replaces (0: none yet); what the controller's replay rule checks */
  replaces: number;
  /** the policy there is already this content: nothing to replace */
  unchanged: boolean;
  /** the rollout to wait for has at least this revision */
  minRevision: number;
}

/** The revision of the policy as it is now: the upsert states it, and a stale one is refused (CONFLICT). */
async function baseline(c: Client, policy: HostNetworkPolicy): Promise<Baseline> {
  try {
    const { policy: view } = await c.request('policies.get', { name: policy.metadata.name });
    const unchanged = !view.deleted && canonicalJson(view.policy) === canonicalJson(policy);
    return { policy, replaces: view.revision, unchanged, minRevision: unchanged ? view.revision : view.revision + 1 };
  } catch (e) {
    if (e instanceof CliError && e.code === ExitCode.notFound) return { policy, replaces: 0, unchanged: false, minRevision: 1 };
    // no controller, no revision to state: the same one-line error as every command (--force publishes without it)
    throw e;
  }
}

async function currentRollout(c: Client, b: Baseline): Promise<RolloutView | undefined> {
  try {
    const { rollout } = await c.request('rollouts.get', { policy: b.policy.metadata.name });
    return rollout.revision >= b.minRevision ? rollout : undefined;
  } catch (e) {
    if (e instanceof CliError && e.code === ExitCode.notFound) return undefined;
    throw e;
  }
}

const finished = (r: RolloutView | undefined) => r !== undefined && (r.state === 'Complete' || r.state === 'Halted');

export function registerApply(program: Command, ctx: Ctx) {
  program
    .command('apply')
    .description('validate policies locally, publish them, and optionally follow their rollout')
    .requiredOption('-f, --filename <path>', 'policy file, directory of .yaml/.yml/.json files, or - for stdin (repeatable)', collect)
    .option('--wait', 'follow the rollout until it completes (exit 0), halts or fails (exit 1) or --timeout passes (exit 3)')
    .option('--force', 'replace the policy at whatever revision it is (default: the revision read before publishing; refused as a conflict when someone changed it since)')
    .option('--dry-run', 'validate locally and print what would be published; publish nothing, contact no server')
    .addHelpText('after', examples(
      'fleetnet apply -f deploy/examples/demo/20-storage-ovs-bond-vlan.yaml',
      'fleetnet apply -f policies/ --wait --timeout 5m',
      'cat policy.yaml | fleetnet apply -f -',
      'fleetnet apply --dry-run -f nncp.yaml    # a kubernetes-nmstate NNCP, converted on the fly',
    ))
    .action(async (opts: { filename: string[]; wait?: boolean; dryRun?: boolean; force?: boolean }, cmd: Command) => {
      const g = globals(cmd);
      let pools: { pool: AddressPool }[] = [];
      const loaded = loadOrFail(opts.filename, undefined, (note) => ctx.err.write(`${note}\n`), (p) => (pools = p));
      if (opts.dryRun) {
        for (const { pool } of pools) ctx.out.write(`---\n# pool/${pool.metadata.name} would be published on ${subjects.intentPool(pool.metadata.name)}\n${stringify(pool, { lineWidth: 0 })}`);
        // kubectl's --dry-run=client: every local check ran; what the controller would receive, as YAML
        for (const { policy } of loaded) {
          const subject = subjects.intentPolicy(policy.metadata.name);
          const bytes = encodeEvent(makeEvent(EventTypes.policyUpserted, CLI_SOURCE, subject, { policy })).byteLength;
          ctx.out.write(`---\n# policy/${policy.metadata.name} would be published on ${subject} (${bytes} bytes)\n${stringify(policy, { lineWidth: 0 })}`);
        }
        ctx.err.write(`dry run: ${loaded.length} polic${loaded.length === 1 ? 'y' : 'ies'} valid; nothing published\n`);
        return;
      }
      const waitMs = opts.wait ? timeoutOf(g, WAIT_DEFAULT_MS) : 0;
      const c = await connectClient(opts.wait ? { ...g, timeout: String(Math.min(waitMs, 10_000)) + 'ms' } : g);
      try {
        const baselines = opts.force && !opts.wait ? [] : await Promise.all(loaded.map((l) => baseline(c, l.policy)));
        // Every event is built and measured before the first is published: all or nothing.
        const events = loaded.map((l, i) => {
          const subject = subjects.intentPolicy(l.policy.metadata.name);
          const replaces = opts.force ? {} : { replaces: baselines[i]!.replaces };
          const event = makeEvent(EventTypes.policyUpserted, CLI_SOURCE, subject, { policy: l.policy, ...replaces });
          return { loaded: l, subject, event, bytes: encodeEvent(event).byteLength };
        });
        checkPayloads(c, events, 'an event');
        // Rejections are published by the controller on a core-visible subject; listen before publishing.
        const rejections: Rejection[] = [];
        const ids = new Map<string, string>();
        const sub = c.nc.subscribe(subjects.intentRejected, {
          callback: (_err, msg) => {
            const p = parseEvent(msg.data, [EventTypes.intentRejected]);
            if (!p.ok || p.event.type !== EventTypes.intentRejected) return;
            const d = p.event.data;
            const name = d.eventId ? ids.get(d.eventId) : undefined;
            if (name) rejections.push({ name, conflict: d.reason.startsWith('CONFLICT'), text: `policy/${name} rejected: ${d.reason}${(d.errors ?? []).map((x) => `\n  ${x.path}: ${x.message}`).join('')}` });
          },
        });
        try {
          // pools first: a templated policy's hosts get their addresses as soon as it lands
          for (const { pool } of pools) {
            const subject = subjects.intentPool(pool.metadata.name);
            await c.publishEvent(subject, makeEvent(EventTypes.poolUpserted, CLI_SOURCE, subject, { pool }));
            ctx.out.write(`pool/${pool.metadata.name} published\n`);
          }
          for (const { loaded: { policy }, subject, event } of events) {
            const name = policy.metadata.name;
            ids.set(event.id, name);
            await c.publishEvent(subject, event);
            ctx.out.write(`policy/${name} published\n`);
          }
          if (!opts.force) await confirmed(c, baselines, rejections, timeoutOf(g, 10_000));
          if (opts.wait) await waitForRollouts(c, ctx, baselines, waitMs, rejections);
        } finally {
          sub.unsubscribe();
        }
      } finally {
        await c.close();
      }
    });
}

interface Rejection {
  name: string;
  conflict: boolean;
  text: string;
}

const failOn = (rejections: Rejection[]) => {
  if (!rejections.length) return;
  const first = rejections.find((r) => r.conflict) ?? rejections[0]!;
  throw new CliError(first.text, first.conflict ? ExitCode.conflict : ExitCode.invalid, rejections.filter((r) => r !== first).map((r) => r.text));
};

/**
 * Waits for the controller's verdict on each upsert that states a revision: the policy at a newer
 * revision with this content (accepted), or a rejection (a CONFLICT when someone else's upsert of the
 * same revision was folded first). Without an answer before the timeout the upserts stay published.
 */
async function confirmed(c: Client, baselines: Baseline[], rejections: Rejection[], timeoutMs: number) {
  const pending = new Set(baselines.filter((b) => !b.unchanged).map((b) => b.policy.metadata.name));
  const deadline = Date.now() + timeoutMs;
  while (pending.size && Date.now() < deadline) {
    failOn(rejections);
    for (const b of baselines) {
      const name = b.policy.metadata.name;
      if (!pending.has(name)) continue;
      const view = await c.request('policies.get', { name }).then((r) => r.policy).catch(() => undefined);
      if (view && !view.deleted && view.revision > b.replaces && canonicalJson(view.policy) === canonicalJson(b.policy)) pending.delete(name);
    }
    if (pending.size) await new Promise((r) => setTimeout(r, 100));
  }
  failOn(rejections);
}

async function waitForRollouts(c: Client, ctx: Ctx, baselines: Baseline[], waitMs: number, rejections: Rejection[]) {
  const printer = new ProgressPrinter(ctx.out, ctx.colors);
  const deadline = Date.now() + waitMs;
  let items: ProgressItem[] = baselines.map((b) => ({ policy: b.policy.metadata.name }));
  for (;;) {
    failOn(rejections);
    items = await Promise.all(
      baselines.map(async (b, i) => {
        if (finished(items[i]!.rollout)) return items[i]!;
        const rollout = await currentRollout(c, b);
        return rollout ? { policy: b.policy.metadata.name, rollout } : items[i]!;
      }),
    );
    printer.update(items);
    if (items.every((i) => finished(i.rollout))) break;
    if (Date.now() > deadline) {
      throw new CliError(
        `timed out after ${Math.round(waitMs / 1000)}s waiting for the rollout`,
        ExitCode.timeout,
        items.filter((i) => !finished(i.rollout)).map((i) => `  ${progressText(i)}`),
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const bad = items.filter((i) => i.rollout!.state === 'Halted' || i.rollout!.counts.failed > 0);
  if (!bad.length) {
    ctx.out.write(`rollout complete: ${items.map((i) => `${i.policy} rev ${i.rollout!.revision}`).join(', ')}\n`);
    return;
  }
  const lines: string[] = [];
  for (const i of bad) {
    const r = i.rollout!;
    lines.push(`  ${i.policy} rev ${r.revision}: ${r.state}, ${r.counts.failed} of ${r.counts.total} hosts failed`);
    const failures = r.failures.length
      ? r.failures
      : Object.entries(r.hosts).filter(([, h]) => h.phase === 'Failed' || h.phase === 'TimedOut').map(([host, h]) => ({ host, reason: h.reason ?? h.phase }));
    for (const f of failures) lines.push(`    ${f.host}: ${f.reason}`);
  }
  const halted = bad.some((i) => i.rollout!.state === 'Halted');
  throw new CliError(halted ? 'rollout halted' : 'rollout completed with failed hosts', ExitCode.failed, lines);
}
