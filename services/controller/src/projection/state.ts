import type {
  AddressPool, CapturedStates, ErrorInfo, Facts, HostNetworkPolicy, HostView, Labels, NetworkState, PolicySource, PolicyView, Probes,
  PropertyResult, RolloutView, SyncPhase, Timings,
} from '@fleetnet/contracts';
import type { CompileConflict, CompileProblem, RenderProblem } from '../compile.ts';

/**
 * The folded facts. Every field is either the last value in one stream's order or a max/union
 * over events, so folding the three streams in any interleaving (live) or one after another
 * (rebuild) ends in the same state. Views are derived from these facts only.
 */
export type StreamKey = 'intent' | 'desired' | 'reports';

export interface DesiredFact {
  id: string;
  version: number;
  seq: number;
  /** server store time of the desired message, ms */
  storedMs: number;
  time: string;
  sources: PolicySource[];
  contentHash: string;
  reason?: string;
  rollbackOf?: number;
}

export interface SyncFact {
  id: string;
  phase: SyncPhase;
  inSync?: boolean;
  error?: ErrorInfo;
  time: string;
}

export interface LastSync {
  version: number;
  inSync?: boolean;
  results: PropertyResult[];
  timings?: Timings;
}

export interface HostBase {
  name: string;
  agentLabels: Labels;
  /** operator's label edits: a value sets, null removes (wins over the agent's labels) */
  intentLabels: Record<string, string | null>;
  facts?: Facts;
  agentVersion?: string;
  registeredAt?: string;
  helloAt?: string;
  retiredAt?: string;
  desired: DesiredFact[];
  /** content of the newest desired version, for recompile comparison and plan */
  lastDesired?: { state: NetworkState; probes?: Probes; enforce?: boolean; captured?: FrozenCaptures };
  syncs: Record<string, SyncFact>;
  lastSync?: LastSync;
  actual?: NetworkState;
  lastSeen?: string;
  updatedAt: string;
  /**
   * the newest record on the host's desired subject that is not a desired event for this host
   * (anyone may write there when the server runs without the generated auth): the next version is
   * published over it, and the host shows a condition until it reports on a version stored after it
   */
  unreadableDesired?: { seq: number; reason: string; at?: string };
  /** rollback pin: compile yields this version's content until the next policy or label change */
  pin?: { toVersion: number; eventId: string };
  /**
   * the newest report counter (hello/state/sync `seq`) folded for this host: the replay rule counts a
   * report only when its counter is above this, at any age and whatever its event id
   */
  reportSeq?: number;
  /** recent event ids per stream, kept apart so the interleaving of streams cannot change them */
  seenIds: { intent: string[]; reports: string[] };
}

export interface PolicyRevision {
  policy: HostNetworkPolicy;
  hash: string;
  time: string;
  /** the upsert event that made this revision: the same event stored again, at any age, changes nothing */
  eventId?: string;
}

/** The revision an upsert event already made, if any (the replay rule for policies). */
export const revisionMadeBy = (p: PolicyBase | undefined, eventId: string): number | undefined => {
  if (!p) return undefined;
  for (const [rev, r] of Object.entries(p.revisions)) if (r.eventId === eventId) return Number(rev);
  return undefined;
};

export interface PolicyBase {
  name: string;
  revision: number;
  revisions: Record<string, PolicyRevision>;
  deleted: boolean;
  createdAt: string;
  updatedAt: string;
  paused: boolean;
  pausedAt?: string;
  /** host name (or `*` for every host) → server store time (ms) of the newest recapture request */
  recaptures?: Record<string, number>;
  /** `${revision}/${host}` → the timed-out version */
  timeouts: Record<string, { version: number; afterSeconds: number; time: string }>;
  recentIds: string[];
  /**
   * every delete, pause and resume event that counted (as revisions keep their upserts): the same
   * event stored again, at any age, changes nothing. Grows with operator actions only.
   */
  controlIds?: string[];
}

export interface HostCompileView {
  policies: string[];
  conflicts: CompileConflict[];
  unresolved: CompileProblem[];
  /** policies that could not be rendered for this host (CaptureFailed, PoolExhausted, ...): nothing is published */
  renderFailed?: RenderProblem[];
  /** pools the host's policies take an address from */
  pools?: string[];
  /** some policy captures from the host's actual state: a state report re-derives this view */
  captures?: boolean;
}

/** What each policy's `capture` matched, by policy, frozen for that revision. */
export type FrozenCaptures = Record<string, { revision: number; captured: CapturedStates }>;

export interface PoolBase {
  name: string;
  pool: AddressPool;
  deleted: boolean;
  updatedAt: string;
  /** host → its address and since when (the allocation event's time) */
  allocations: Record<string, { address: string; since: string }>;
  /** intent stream sequence of the newest record on fleetnet.alloc.<pool>: the next write expects it */
  allocSeq: number;
  recentIds: string[];
  /**
   * every delete, pause and resume event that counted (as revisions keep their upserts): the same
   * event stored again, at any age, changes nothing. Grows with operator actions only.
   */
  controlIds?: string[];
}

export interface Projection {
  seq: Record<StreamKey, number>;
  hosts: Record<string, HostBase>;
  policies: Record<string, PolicyBase>;
  pools: Record<string, PoolBase>;
  views: {
    hosts: Record<string, HostView>;
    policies: Record<string, PolicyView>;
    rollouts: Record<string, RolloutView>;
    compile: Record<string, HostCompileView>;
  };
}

export const emptyProjection = (): Projection => ({
  seq: { intent: 0, desired: 0, reports: 0 },
  hosts: {},
  policies: {},
  pools: {},
  views: { hosts: {}, policies: {}, rollouts: {}, compile: {} },
});

export const RECENT_IDS = 32;

/** ISO times compared as instants; the later one wins, ties keep the first. */
export const laterOf = (a: string | undefined, b: string | undefined): string | undefined => {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
};

export function effectiveLabels(h: HostBase): Labels {
  const out: Labels = { ...h.agentLabels };
  for (const [k, v] of Object.entries(h.intentLabels)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

export const isRetired = (h: HostBase) =>
  h.retiredAt !== undefined && (h.helloAt === undefined || Date.parse(h.retiredAt) >= Date.parse(h.helloAt));

export const desiredVersionOf = (h: HostBase | undefined) => h?.desired[h.desired.length - 1]?.version ?? 0;
