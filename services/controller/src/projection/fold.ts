import { createDraft, finishDraft, type Draft } from 'immer';
import { contentHash, EventTypes, poolHas, poolRange, type FleetEvent } from '@fleetnet/contracts';
import { decode, type Decoded, type FoldInput } from './decode.ts';
import { checkIntent, type IntentCheck } from './intent.ts';
import {
  desiredVersionOf, laterOf, RECENT_IDS, revisionMadeBy,
  type DesiredFact, type HostBase, type PolicyBase, type PoolBase, type Projection, type StreamKey, type SyncFact,
} from './state.ts';

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

/** When the server stored the message (ISO); `fallback` only for messages folded without a store time (pure tests). */
const storedAt = (msg: Decoded, fallback: string) => (msg.storedMs !== undefined ? new Date(msg.storedMs).toISOString() : fallback);

const newHost = (name: string, time: string): HostBase => ({
  name, agentLabels: {}, intentLabels: {}, desired: [], syncs: {}, updatedAt: time, seenIds: { intent: [], reports: [] },
});

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

/** The recent ids after `id`: `list` (read from the base entity, never through a draft) plus `id`, the oldest dropped. */
function withId(list: readonly string[], id: string): string[] {
  const out = list.length >= RECENT_IDS ? list.slice(list.length - RECENT_IDS + 1) : list.slice();
  out.push(id);
  return out;
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

// Desired versions and reports are most of the events: they are folded as plain immutable
// updates (a new HostBase built from the old one by spreads) rather than through immer drafts,
// whose finalize step walks every newly assigned value (a whole network state, all per-property
// results) to freeze it and look for nested drafts. Same purity: `before` is never touched.

/** The host as it was (or new), with `time` counted into updatedAt; `changed` when that already differs. */
function hostAt(before: Projection, name: string, time: string): { h: HostBase; changed: boolean } {
  const base = before.hosts[name];
  const h0 = base ?? newHost(name, time);
  const updatedAt = laterOf(h0.updatedAt, time)!;
  if (base && updatedAt === base.updatedAt) return { h: base, changed: false };
  return { h: { ...h0, updatedAt }, changed: true };
}

function foldDesired(before: Projection, msg: Decoded, t: Touched): HostBase | undefined {
  if (msg.sub?.kind !== 'desired') return undefined;
  if (!msg.ok) {
    // Only for a host with a desired version: garbage must not make up hosts, and the versions
    // come from this stream alone, so a rebuild (desired first) records the same.
    const known = before.hosts[msg.sub.name!];
    if (!known?.desired.length) return undefined;
    t.hosts.push(known.name);
    const at = msg.storedMs !== undefined ? { at: new Date(msg.storedMs).toISOString() } : {};
    return { ...known, unreadableDesired: { seq: msg.seq, reason: msg.reason.slice(0, 300), ...at } };
  }
  const ev = msg.event as FleetEvent<typeof EventTypes.desiredPublished>;
  const { h, changed } = hostAt(before, ev.data.host, ev.time);
  const newest = desiredVersionOf(before.hosts[ev.data.host]);
  if (ev.data.version <= newest) {
    // An old version stored again, after the newest (a replay: writers use expect.lastSubjectSequence,
    // so never a controller): the host's last record is no longer its desired state.
    const at = msg.storedMs !== undefined ? { at: new Date(msg.storedMs).toISOString() } : {};
    if (msg.seq > h.desired[h.desired.length - 1]!.seq) {
      t.hosts.push(h.name);
      return { ...h, unreadableDesired: { seq: msg.seq, reason: `version ${ev.data.version} stored again after version ${newest}`, ...at } };
    }
    // an old version still counts as a sighting of the host (updatedAt), as it always did
    return changed ? h : undefined;
  }
  const fact: DesiredFact = {
    id: ev.id, version: ev.data.version, seq: msg.seq, storedMs: msg.storedMs ?? 0, time: ev.time, sources: ev.data.sources, contentHash: ev.data.contentHash,
    ...(ev.data.reason !== undefined ? { reason: ev.data.reason } : {}),
    ...(ev.data.rollbackOf !== undefined ? { rollbackOf: ev.data.rollbackOf } : {}),
  };
  t.hosts.push(h.name);
  return {
    ...h,
    desired: [...h.desired, fact],
    lastDesired: {
      state: ev.data.state,
      ...(ev.data.probes ? { probes: ev.data.probes } : {}),
      ...(ev.data.enforce !== undefined ? { enforce: ev.data.enforce } : {}),
      ...(ev.data.captured ? { captured: ev.data.captured } : {}),
    },
  };
}

/**
 * The replay rule for reports: the agent stamps every report with its own counter (kept across
 * restarts in its state directory), so a report counts only when it is newer than the last one
 * folded for that host, at any age and whatever its event id (a replay gets a new stream sequence
 * and may carry a new id). A report without a counter counts only for a host that never sent one.
 */
function newerReport(base: HostBase | undefined, seq: number | undefined): boolean {
  if (base?.reportSeq === undefined) return true;
  return seq !== undefined && seq > base.reportSeq;
}

type ReportType = typeof EventTypes.hello | typeof EventTypes.stateReported | typeof EventTypes.syncReported;

function foldReport(before: Projection, msg: Decoded, t: Touched): HostBase | undefined {
  const kind = msg.sub?.kind;
  if (!msg.ok || (kind !== 'hello' && kind !== 'state' && kind !== 'sync')) return undefined;
  // decode checked that the subject and the envelope both name this host: a host speaks only for itself
  const ev = msg.event as FleetEvent<ReportType>;
  const name = ev.data.host;
  const base = before.hosts[name];
  if (base?.seenIds.reports.includes(ev.id)) return undefined;
  if (!newerReport(base, ev.data.seq)) return undefined;
  // A sync counts only for a version that was stored before it: whatever order the streams are
  // folded in (live, or desired-first in a rebuild), the same syncs count.
  if (ev.type === EventTypes.syncReported) {
    const published = base?.desired.find((x) => x.version === ev.data.version);
    if (!published || published.storedMs > (msg.storedMs ?? Infinity)) return undefined;
  }
  const h0 = hostAt(before, name, ev.time).h;
  const h: HostBase = { ...h0, seenIds: { ...h0.seenIds, reports: withId(h0.seenIds.reports, ev.id) } };
  if (ev.data.seq !== undefined) h.reportSeq = ev.data.seq;
  // Liveness counts when the server stored the report, never the `time` the agent wrote: a hello
  // dated 9999 must not keep a silent host reachable.
  if (msg.storedMs !== undefined) h.lastSeen = laterOf(h0.lastSeen, new Date(msg.storedMs).toISOString())!;
  switch (ev.type) {
    case EventTypes.hello:
      h.agentLabels = ev.data.labels;
      h.facts = ev.data.facts;
      h.agentVersion = ev.data.agentVersion;
      // server times too: retirement compares the hello with the retire request (a hello dated
      // 9999 must not make a host impossible to retire)
      h.registeredAt ??= storedAt(msg, ev.time);
      h.helloAt = laterOf(h0.helloAt, storedAt(msg, ev.time));
      t.compile.push(h.name);
      break;
    case EventTypes.stateReported:
      h.actual = ev.data.state;
      // a policy that captures from the actual state compiles again (until its captures are frozen)
      if (before.views.compile[name]?.captures) t.compile.push(name);
      break;
    case EventTypes.syncReported: {
      const s = ev.data;
      const fact: SyncFact = {
        id: ev.id, phase: s.phase, time: ev.time,
        ...(s.inSync !== undefined ? { inSync: s.inSync } : {}),
        ...(s.error ? { error: s.error } : {}),
      };
      h.syncs = { ...h0.syncs, [s.version]: fact };
      if (!h0.lastSync || s.version >= h0.lastSync.version) {
        h.lastSync = {
          version: s.version, results: s.results ?? [],
          ...(s.inSync !== undefined ? { inSync: s.inSync } : {}),
          ...(s.timings ? { timings: s.timings } : {}),
        };
      }
      break;
    }
  }
  t.hosts.push(h.name);
  return h;
}
