import { createDraft, finishDraft, type Draft } from 'immer';
import { contentHash, EventTypes, poolHas, poolRange } from '@fleetnet/contracts';
import { decode, type Decoded, type FoldInput } from './decode.ts';
import { foldDesired, foldReport, newHost, storedAt } from './fold-host.ts';
import { checkIntent, type IntentCheck } from './intent.ts';
import { laterOf, RECENT_IDS, revisionMadeBy, type HostBase, type PolicyBase, type PoolBase, type Projection, type StreamKey } from './state.ts';

/** What a folded event touched, so only those hosts and policies are re-derived. */
export interface Touched {
  hosts: string[];
  policies: string[];
  /** hosts whose own compile inputs changed (labels, facts, retirement): their compile view is re-derived */
  compile: string[];
  /** for intent messages: whether the intent counted, and why not */
  verdict?: IntentCheck;
}

export type { FoldInput } from './decode.ts';

function seen(list: string[], id: string): boolean {
  if (list.includes(id)) return true;
  list.push(id);
  if (list.length > RECENT_IDS) list.splice(0, list.length - RECENT_IDS);
  return false;
}

/** A delete, pause or resume counts once at any age: true when this event already did (else it is remembered). */
function controlled(p: Draft<PolicyBase>, id: string): boolean {
  if (p.controlIds?.includes(id) || seen(p.recentIds, id)) return true;
  (p.controlIds ??= []).push(id);
  return false;
}

/** The host an intent event is about, or undefined when this event was folded before (a replay). */
function intentHost(d: Draft<Projection>, name: string, ev: { id: string; time: string }): Draft<HostBase> | undefined {
  if (d.hosts[name]?.seenIds.intent.includes(ev.id)) return undefined;
  const h = hostDraft(d, name, ev.time);
  seen(h.seenIds.intent, ev.id);
  return h;
}

function hostDraft(d: Draft<Projection>, name: string, time: string): Draft<HostBase> {
  const h = (d.hosts[name] ??= newHost(name, time));
  const at = laterOf(h.updatedAt, time)!;
  if (at !== h.updatedAt) h.updatedAt = at;
  return h;
}

/** What one message changes: the stream's folded sequence and the entities it replaced. */
export interface Patch {
  stream: StreamKey;
  seq: number;
  hosts: Record<string, HostBase>;
  policies: Record<string, PolicyBase>;
  pools?: Record<string, PoolBase>;
}

/**
 * Entities are drafted one by one (immer), never the whole record of hosts, so folding one
 * event costs the same with ten hosts or ten thousand.
 */
function entityDrafts<T extends object>(base: Record<string, T>) {
  const drafts = new Map<string, Draft<T>>();
  const created = new Map<string, T>();
  const proxy = new Proxy({} as Record<string, T>, {
    get(_, key) {
      if (typeof key !== 'string') return undefined;
      if (created.has(key)) return created.get(key);
      let dr = drafts.get(key);
      if (!dr && base[key]) drafts.set(key, (dr = createDraft(base[key]!)));
      return dr;
    },
    set(_, key, value) {
      created.set(String(key), value as T);
      return true;
    },
  });
  const finish = (): Record<string, T> => {
    const out: Record<string, T> = {};
    for (const [k, dr] of drafts) {
      const v = finishDraft(dr) as T;
      if (v !== base[k]) out[k] = v;
    }
    for (const [k, v] of created) out[k] = v;
    return out;
  };
  return { proxy, finish };
}

/**
 * The reducer: one stream message in, the changes to the projection out (pure: `state` is not
 * touched). A message at or below the stream's folded sequence is a replay and changes nothing;
 * a message that is truncated, of the wrong type for its subject, about another host than its
 * subject names, a repeated event id, a sync for a version not stored before it, or an intent the
 * check refuses, only advances the stream's sequence. `decoded` is `msg` decoded, when the caller
 * already did (the live reader decodes before it decides whether to wait for the desired stream).
 */
export function foldPatch(state: Projection, msg: FoldInput, decoded?: Decoded): { patch?: Patch; touched: Touched } {
  const touched: Touched = { hosts: [], policies: [], compile: [] };
  if (msg.seq <= state.seq[msg.stream]) return { touched };
  const m = decoded ?? decode(msg);
  if (msg.stream !== 'intent') {
    const h = msg.stream === 'desired' ? foldDesired(state, m, touched) : foldReport(state, m, touched);
    return { patch: { stream: msg.stream, seq: msg.seq, hosts: h ? { [h.name]: h } : {}, policies: {} }, touched };
  }
  const hosts = entityDrafts(state.hosts);
  const policies = entityDrafts(state.policies);
  const pools = entityDrafts(state.pools);
  const d = { hosts: hosts.proxy, policies: policies.proxy, pools: pools.proxy } as unknown as Draft<Projection>;
  // Whatever lands on a pool's allocation subject moves its head: the next write expects it.
  if (m.sub?.kind === 'alloc' && d.pools[m.sub.name!]) d.pools[m.sub.name!]!.allocSeq = msg.seq;
  foldIntent(d, state, m, touched);
  foldPool(d, state, m, touched);
  return { patch: { stream: msg.stream, seq: msg.seq, hosts: hosts.finish(), policies: policies.finish(), pools: pools.finish() }, touched };
}

/** The next projection as a new value (copies the entity records: for tests and small states). */
export function applyPatch(state: Projection, patch: Patch): Projection {
  return {
    ...state,
    seq: { ...state.seq, [patch.stream]: patch.seq },
    hosts: { ...state.hosts, ...patch.hosts },
    policies: { ...state.policies, ...patch.policies },
    pools: { ...state.pools, ...patch.pools },
  };
}

export function fold(state: Projection, msg: FoldInput): { state: Projection; touched: Touched } {
  const { patch, touched } = foldPatch(state, msg);
  return { state: patch ? applyPatch(state, patch) : state, touched };
}

function foldIntent(d: Draft<Projection>, before: Projection, msg: Decoded, t: Touched) {
  // the controllers' own rejection records: nothing to fold, no verdict to keep for the intake
  if (msg.sub?.kind === 'intent-rejected') return;
  const check = checkIntent(before, msg);
  t.verdict = check;
  if (!check.ok) return;
  const ev = check.event;
  switch (ev.type) {
    case EventTypes.policyUpserted: {
      const name = ev.data.policy.metadata.name;
      const existing = d.policies[name];
      if (existing && (revisionMadeBy(before.policies[name], ev.id) !== undefined || seen(existing.recentIds, ev.id))) return;
      const hash = contentHash(ev.data.policy);
      if (existing && !existing.deleted && existing.revisions[existing.revision]?.hash === hash) return;
      const p: Draft<PolicyBase> = existing ?? (d.policies[name] = {
        name, revision: 0, revisions: {}, deleted: false, createdAt: ev.time, updatedAt: ev.time,
        paused: false, timeouts: {}, recentIds: [ev.id],
      });
      p.revision += 1;
      p.revisions[p.revision] = { policy: ev.data.policy as never, hash, time: ev.time, eventId: ev.id };
      if (p.deleted) p.createdAt = ev.time;
      p.deleted = false;
      p.updatedAt = ev.time;
      clearPins(d, before, t);
      t.policies.push(name);
      return;
    }
    case EventTypes.policyDeleted: {
      const p = d.policies[ev.data.name]!;
      if (controlled(p, ev.id)) return;
      p.deleted = true;
      p.updatedAt = ev.time;
      clearPins(d, before, t);
      t.policies.push(p.name);
      return;
    }
    case EventTypes.rolloutPaused:
    case EventTypes.rolloutResumed: {
      const p = d.policies[ev.data.policy]!;
      if (controlled(p, ev.id)) return;
      p.paused = ev.type === EventTypes.rolloutPaused;
      if (p.paused) p.pausedAt = ev.time;
      else delete p.pausedAt;
      p.updatedAt = ev.time;
      t.policies.push(p.name);
      return;
    }
    case EventTypes.rolloutRecaptureRequested: {
      const p = d.policies[ev.data.policy]!;
      if (seen(p.recentIds, ev.id)) return;
      const key = ev.data.host ?? '*';
      const at = msg.storedMs ?? Date.parse(ev.time);
      p.recaptures ??= {};
      p.recaptures[key] = Math.max(p.recaptures[key] ?? 0, at);
      t.policies.push(p.name);
      return;
    }
    case EventTypes.rolloutHostTimedOut: {
      const p = d.policies[ev.data.policy]!;
      if (seen(p.recentIds, ev.id)) return;
      const key = `${ev.data.revision}/${ev.data.host}`;
      if (!p.timeouts[key]) p.timeouts[key] = { version: ev.data.version, afterSeconds: ev.data.afterSeconds, time: ev.time };
      t.policies.push(p.name);
      return;
    }
    case EventTypes.hostLabeled: {
      const h = intentHost(d, ev.data.host, ev);
      if (!h) return;
      for (const [k, v] of Object.entries(ev.data.set ?? {})) h.intentLabels[k] = v;
      for (const k of ev.data.remove ?? []) h.intentLabels[k] = null;
      delete h.pin;
      t.hosts.push(h.name);
      t.compile.push(h.name);
      return;
    }
    case EventTypes.hostRollbackRequested: {
      const h = intentHost(d, ev.data.host, ev);
      if (!h) return;
      h.pin = { toVersion: ev.data.toVersion, eventId: ev.id };
      t.hosts.push(h.name);
      return;
    }
    case EventTypes.hostRetired: {
      const h = intentHost(d, ev.data.host, ev);
      if (!h) return;
      h.retiredAt = laterOf(h.retiredAt, storedAt(msg, ev.time))!;
      t.hosts.push(h.name);
      t.compile.push(h.name);
      return;
    }
  }
}

/** Hosts whose compile view reads this pool: they are compiled again when it changes. */
function poolUsers(before: Projection, pool: string, also: Iterable<string> = []): string[] {
  const out = new Set(also);
  for (const [h, c] of Object.entries(before.views.compile)) if (c.pools?.includes(pool)) out.add(h);
  return [...out];
}

function foldPool(d: Draft<Projection>, before: Projection, msg: Decoded, t: Touched) {
  if (!t.verdict?.ok) return;
  const ev = t.verdict.event;
  const touch = (pool: string, hosts: Iterable<string> = []) => {
    const users = poolUsers(before, pool, hosts);
    t.hosts.push(...users);
    t.compile.push(...users);
  };
  switch (ev.type) {
    case EventTypes.poolUpserted: {
      const name = ev.data.pool.metadata.name;
      const p = d.pools[name];
      if (p && seen(p.recentIds, ev.id)) return;
      if (!p) {
        d.pools[name] = { name, pool: ev.data.pool, deleted: false, updatedAt: ev.time, allocations: {}, allocSeq: 0, recentIds: [ev.id] };
      } else {
        p.pool = ev.data.pool as never;
        p.deleted = false;
        p.updatedAt = ev.time;
      }
      // a narrower range or a new exclusion takes back the addresses it no longer holds
      const r = poolRange(ev.data.pool);
      const dropped = Object.entries(before.pools[name]?.allocations ?? {}).filter(([, a]) => !r.ok || !poolHas(r.range, a.address)).map(([h]) => h);
      for (const h of dropped) delete d.pools[name]!.allocations[h];
      touch(name, dropped);
      return;
    }
    case EventTypes.poolDeleted: {
      const p = d.pools[ev.data.name]!;
      if (seen(p.recentIds, ev.id)) return;
      // a pool deleted gives every address back: created again, it starts empty
      const had = Object.keys(p.allocations);
      p.deleted = true;
      p.allocations = {};
      p.updatedAt = ev.time;
      touch(p.name, had);
      return;
    }
    case EventTypes.poolAllocated: {
      const p = d.pools[ev.data.pool]!;
      if (seen(p.recentIds, ev.id)) return;
      for (const a of ev.data.allocations) p.allocations[a.host] = { address: a.address, since: storedAt(msg, ev.time) };
      p.updatedAt = ev.time;
      touch(p.name, ev.data.allocations.map((a) => a.host));
      return;
    }
    case EventTypes.poolReleased: {
      const p = d.pools[ev.data.pool];
      if (!p || seen(p.recentIds, ev.id)) return;
      for (const h of ev.data.hosts) delete p.allocations[h];
      p.updatedAt = ev.time;
      touch(p.name, ev.data.hosts);
      return;
    }
  }
}

/** A pin lasts until the next policy change: after that the policies speak again. */
function clearPins(d: Draft<Projection>, before: Projection, t: Touched) {
  for (const [name, h] of Object.entries(before.hosts)) {
    if (h.pin) {
      delete d.hosts[name]!.pin;
      t.hosts.push(name);
    }
  }
}
