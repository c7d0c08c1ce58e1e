import { Type, type Static } from '@sinclair/typebox';
import { PolicySource } from './events.ts';
import { Facts } from './facts.ts';
import { HostNetworkPolicy, Labels } from './policy.ts';
import { NetworkState, literalUnion } from './state.ts';
import { ErrorInfo, PropertyResult, SyncPhase, Timings } from './sync.ts';

/** The controller's read model. These are the shapes `fleetnet get -o json` prints and KV buckets hold. */

export const Condition = Type.Object(
  {
    type: literalUnion(['Conflict', 'Unreachable', 'Halted', 'Paused', 'Invalid', 'Unresolved', 'TimedOut', 'CaptureFailed', 'PoolExhausted'] as const, 'condition type'),
    status: literalUnion(['True', 'False'] as const, 'condition status'),
    reason: Type.String(),
    message: Type.String(),
    since: Type.String({ description: 'ISO time' }),
  },
  { additionalProperties: false },
);
export type Condition = Static<typeof Condition>;

export const HostPhases = [...['Pending', 'Applying', 'Applied', 'RolledBack', 'Failed', 'Drifted'] as const, 'Unknown'] as const;

export const HostView = Type.Object(
  {
    name: Type.String(),
    labels: Labels,
    facts: Type.Optional(Facts),
    agentVersion: Type.Optional(Type.String()),
    desiredVersion: Type.Integer({ minimum: 0, description: '0 when nothing was ever published' }),
    appliedVersion: Type.Integer({ minimum: 0, description: 'last version the agent applied in sync' }),
    reportedVersion: Type.Integer({ minimum: 0, description: 'version of the last sync report' }),
    phase: Type.Union([SyncPhase, Type.Literal('Unknown')]),
    inSync: Type.Union([Type.Boolean(), Type.Null()]),
    results: Type.Array(PropertyResult),
    sources: Type.Array(PolicySource),
    lastSeen: Type.Optional(Type.String()),
    lastError: Type.Optional(ErrorInfo),
    timings: Type.Optional(Timings),
    conditions: Type.Array(Condition),
    reachable: Type.Boolean(),
    retired: Type.Boolean(),
    registeredAt: Type.Optional(Type.String()),
    updatedAt: Type.String(),
    actual: Type.Optional(NetworkState),
  },
  { additionalProperties: false, $id: 'HostView' },
);
export type HostView = Static<typeof HostView>;

export const RolloutHostPhases = ['Pending', 'InProgress', 'Succeeded', 'Failed', 'TimedOut', 'Skipped'] as const;
export type RolloutHostPhase = (typeof RolloutHostPhases)[number];

export const RolloutHost = Type.Object(
  {
    phase: literalUnion(RolloutHostPhases, 'rollout host phase'),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    startedAt: Type.Optional(Type.String()),
    finishedAt: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    canary: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type RolloutHost = Static<typeof RolloutHost>;

export const RolloutStates = ['Progressing', 'Paused', 'Halted', 'Complete'] as const;
export type RolloutState = (typeof RolloutStates)[number];

export const RolloutView = Type.Object(
  {
    policy: Type.String(),
    revision: Type.Integer({ minimum: 1 }),
    state: literalUnion(RolloutStates, 'rollout state'),
    maxUnavailable: Type.Integer({ minimum: 1, description: 'resolved against the matched host count' }),
    canary: Type.Integer({ minimum: 0 }),
    failureThreshold: Type.Integer({ minimum: 1 }),
    hosts: Type.Record(Type.String(), RolloutHost),
    counts: Type.Object(
      {
        total: Type.Integer(), pending: Type.Integer(), inProgress: Type.Integer(),
        succeeded: Type.Integer(), failed: Type.Integer(),
      },
      { additionalProperties: false },
    ),
    failures: Type.Array(Type.Object({ host: Type.String(), reason: Type.String() }, { additionalProperties: false })),
    startedAt: Type.String(),
    updatedAt: Type.String(),
  },
  { additionalProperties: false, $id: 'RolloutView' },
);
export type RolloutView = Static<typeof RolloutView>;

export const PolicyView = Type.Object(
  {
    name: Type.String(),
    revision: Type.Integer({ minimum: 1 }),
    policy: HostNetworkPolicy,
    matchedHosts: Type.Array(Type.String()),
    conditions: Type.Array(Condition),
    deleted: Type.Boolean(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { additionalProperties: false, $id: 'PolicyView' },
);
export type PolicyView = Static<typeof PolicyView>;

export const HistoryEntry = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    time: Type.String(),
    sources: Type.Array(PolicySource),
    contentHash: Type.String(),
    reason: Type.Optional(Type.String()),
    rollbackOf: Type.Optional(Type.Integer()),
    outcome: Type.Union([SyncPhase, Type.Literal('Superseded')]),
    error: Type.Optional(ErrorInfo),
  },
  { additionalProperties: false },
);
export type HistoryEntry = Static<typeof HistoryEntry>;

/** A line of a host's recent activity, for `fleetnet describe host`. */
export const EventSummary = Type.Object(
  { time: Type.String(), type: Type.String(), id: Type.String(), summary: Type.String() },
  { additionalProperties: false },
);
export type EventSummary = Static<typeof EventSummary>;
