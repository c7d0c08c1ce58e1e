import { contentHash, EventTypes, poolHas, poolRange, validatePolicy, validatePool, type FleetEvent, type ValidationError } from '@fleetnet/contracts';
import type { Decoded, Refusal } from './decode.ts';
import { revisionMadeBy, type HostBase, type PolicyBase, type Projection } from './state.ts';

export type IntentCheck = { ok: true; event: FleetEvent } | ({ ok: false } & Refusal);

const errs = (errors: ValidationError[]) => errors.map((e) => ({ path: e.path, message: e.message }));

/**
 * The desired version a rollback may return to: one the host had when the request was stored.
 * Server store times decide, as for syncs, so the answer is the same whether the desired stream is
 * folded before the intent (a rebuild) or beside it (live: the reader folds the host's desired
 * subject up to its head before it folds a rollback naming a version it has not seen).
 */
function storedBefore(host: HostBase | undefined, storedMs: number | undefined): HostBase['desired'] {
  const limit = storedMs ?? Infinity;
  return (host?.desired ?? []).filter((d) => d.storedMs <= limit);
}

/**
 * An allocation counts only as a whole: every address in the pool's range, free, each host without
 * one yet, no address twice. Writers guard with expect.lastSubjectSequence; this is the fold's own
 * guarantee that no record, however it got there, gives two hosts one address.
 */
function checkAllocation(state: Projection, name: string, data: { pool: string; allocations: { host: string; address: string }[] }): IntentCheck | undefined {
  const fail = (reason: string): IntentCheck => ({ ok: false, reason });
  if (data.pool !== name) return fail(`pool "${data.pool}" differs from the subject's "${name}"`);
  const pool = state.pools[name];
  if (!pool || pool.deleted) return fail(`unknown pool "${name}"`);
  const r = poolRange(pool.pool);
  if (!r.ok) return fail(`pool "${name}" is invalid`);
  const taken = new Set(Object.values(pool.allocations).map((a) => a.address));
  const hosts = new Set<string>();
  for (const a of data.allocations) {
    if (!poolHas(r.range, a.address)) return fail(`${a.address} is not an address pool "${name}" hands out`);
    if (taken.has(a.address)) return fail(`${a.address} of pool "${name}" is already allocated`);
    if (pool.allocations[a.host] || hosts.has(a.host)) return fail(`host "${a.host}" already has an address from pool "${name}"`);
    taken.add(a.address);
    hosts.add(a.host);
  }
  return undefined;
}

/** Stated as the start of a refusal's reason: the CLI tells a conflict from other refusals by it. */
export const CONFLICT = 'CONFLICT';

/**
 * Optimistic concurrency (the replay rule for upserts): an upsert that names the revision it means
 * to replace counts only while the policy is at that revision. An upsert this event already made is
 * accepted here (the fold ignores it), so the verdict is the same before and after it was folded.
 * The same content as the current revision is no conflict: there is nothing to replace.
 */
function checkReplaces(name: string, policy: PolicyBase | undefined, id: string, replaces: number | undefined, want: unknown): IntentCheck | undefined {
  if (replaces === undefined || revisionMadeBy(policy, id) !== undefined) return undefined;
  const current = policy?.revision ?? 0;
  if (replaces === current) return undefined;
  if (policy && !policy.deleted && policy.revisions[current]?.hash === contentHash(want)) return undefined;
  return {
    ok: false, eventId: id,
    reason: `${CONFLICT}: policy "${name}" is at revision ${current}, this upsert replaces revision ${replaces}: someone changed it since it was read; read it again (fleetnet get policy ${name}) and apply again, or apply --force to replace whatever is there`,
  };
}

/**
 * Whether an intent message may change anything: the one check, made where the message is folded
 * (so it decides what the projection holds) and read by the intake (which publishes the rejection),
 * so a rejected intent never changes the projection and an accepted one is never rejected.
 * Only state whose answer does not depend on how the streams interleave is consulted: the policies
 * known (intent stream, in order) and the desired versions stored before the request.
 */
export function checkIntent(state: Projection, msg: Decoded): IntentCheck {
  if (!msg.ok) return msg;
  const ev = msg.event;
  const fail = (reason: string, errors?: ValidationError[]): IntentCheck => ({
    ok: false, reason, eventId: ev.id, ...(errors ? { errors: errs(errors) } : {}),
  });
  const name = msg.sub!.name!;
  const policy = state.policies[name];
  const live = policy && !policy.deleted;
  switch (ev.type) {
    case EventTypes.policyUpserted: {
      const v = validatePolicy(ev.data.policy);
      if (!v.ok) return fail(`policy "${name}" is invalid`, v.errors.map((e) => ({ ...e, path: `data.policy.${e.path}` })));
      if (ev.data.policy.metadata.name !== name) return fail(`policy name "${ev.data.policy.metadata.name}" differs from the subject's "${name}"`);
      return checkReplaces(name, policy, ev.id, ev.data.replaces, ev.data.policy) ?? { ok: true, event: ev };
    }
    case EventTypes.policyDeleted:
      if (ev.data.name !== name) return fail(`policy name "${ev.data.name}" differs from the subject's "${name}"`);
      if (!live) return fail(`unknown policy "${name}"`);
      return { ok: true, event: ev };
    case EventTypes.rolloutPaused:
    case EventTypes.rolloutResumed:
    case EventTypes.rolloutHostTimedOut:
    case EventTypes.rolloutRecaptureRequested:
      if (ev.data.policy !== name) return fail(`policy "${ev.data.policy}" differs from the subject's "${name}"`);
      if (!live) return fail(`unknown policy "${name}"`);
      return { ok: true, event: ev };
    case EventTypes.hostRollbackRequested: {
      if (ev.data.host !== name) return fail(`host "${ev.data.host}" differs from the subject's "${name}"`);
      const had = storedBefore(state.hosts[name], msg.storedMs);
      if (!had.some((d) => d.version === ev.data.toVersion)) {
        return fail(`host "${name}" has no desired version ${ev.data.toVersion} (newest is ${had[had.length - 1]?.version ?? 0})`);
      }
      return { ok: true, event: ev };
    }
    case EventTypes.hostLabeled:
    case EventTypes.hostRetired:
      if (ev.data.host !== name) return fail(`host "${ev.data.host}" differs from the subject's "${name}"`);
      return { ok: true, event: ev };
    case EventTypes.poolUpserted: {
      const v = validatePool(ev.data.pool);
      if (!v.ok) return fail(`pool "${name}" is invalid`, v.errors.map((e) => ({ ...e, path: `data.pool.${e.path}` })));
      if (ev.data.pool.metadata.name !== name) return fail(`pool name "${ev.data.pool.metadata.name}" differs from the subject's "${name}"`);
      return { ok: true, event: ev };
    }
    case EventTypes.poolDeleted:
      if (ev.data.name !== name) return fail(`pool name "${ev.data.name}" differs from the subject's "${name}"`);
      if (!state.pools[name] || state.pools[name]!.deleted) return fail(`unknown pool "${name}"`);
      return { ok: true, event: ev };
    case EventTypes.poolAllocated:
      return checkAllocation(state, name, ev.data) ?? { ok: true, event: ev };
    case EventTypes.poolReleased:
      if (ev.data.pool !== name) return fail(`pool "${ev.data.pool}" differs from the subject's "${name}"`);
      return { ok: true, event: ev };
    default:
      return fail(`event type "${ev.type}" is not an intent`);
  }
}
