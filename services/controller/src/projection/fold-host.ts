/**
 * The fold of what hosts are told and what they say: desired versions (the desired stream) and
 * hellos, state and sync reports (the reports stream). fold.ts dispatches to these.
 */
import { EventTypes, type FleetEvent } from '@fleetnet/contracts';
import type { Decoded } from './decode.ts';
import type { Touched } from './fold.ts';
import { desiredVersionOf, laterOf, RECENT_IDS, type DesiredFact, type HostBase, type Projection, type SyncFact } from './state.ts';

/** When the server stored the message (ISO); `fallback` only for messages folded without a store time (pure tests). */
export const storedAt = (msg: Decoded, fallback: string) => (msg.storedMs !== undefined ? new Date(msg.storedMs).toISOString() : fallback);

export const newHost = (name: string, time: string): HostBase => ({
  name, agentLabels: {}, intentLabels: {}, desired: [], syncs: {}, updatedAt: time, seenIds: { intent: [], reports: [] },
});

/** The recent ids after `id`: `list` (read from the base entity, never through a draft) plus `id`, the oldest dropped. */
function withId(list: readonly string[], id: string): string[] {
  const out = list.length >= RECENT_IDS ? list.slice(list.length - RECENT_IDS + 1) : list.slice();
  out.push(id);
  return out;
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

export function foldDesired(before: Projection, msg: Decoded, t: Touched): HostBase | undefined {
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

export function foldReport(before: Projection, msg: Decoded, t: Touched): HostBase | undefined {
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
