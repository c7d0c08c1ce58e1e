import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Name } from './names.ts';
import { HostNetworkPolicy, Labels, Probes } from './policy.ts';
import { NetworkState } from './state.ts';
import { Facts } from './facts.ts';
import { AddressPool } from './pool.ts';
import { ErrorInfo, PropertyResult, SyncPhase, Timings } from './sync.ts';

/** CloudEvents `type` of every fleetnet event. The suffix is the data schema's version. */
export const EventTypes = {
  policyUpserted: 'fleetnet.policy.upserted.v1',
  policyDeleted: 'fleetnet.policy.deleted.v1',
  hostLabeled: 'fleetnet.host.labeled.v1',
  hostRollbackRequested: 'fleetnet.host.rollback-requested.v1',
  hostRetired: 'fleetnet.host.retired.v1',
  rolloutPaused: 'fleetnet.rollout.paused.v1',
  rolloutResumed: 'fleetnet.rollout.resumed.v1',
  rolloutHostTimedOut: 'fleetnet.rollout.host-timed-out.v1',
  rolloutRecaptureRequested: 'fleetnet.rollout.recapture-requested.v1',
  poolUpserted: 'fleetnet.pool.upserted.v1',
  poolDeleted: 'fleetnet.pool.deleted.v1',
  poolAllocated: 'fleetnet.pool.allocated.v1',
  poolReleased: 'fleetnet.pool.released.v1',
  intentRejected: 'fleetnet.intent.rejected.v1',
  desiredPublished: 'fleetnet.desired.published.v1',
  hello: 'fleetnet.agent.hello.v1',
  stateReported: 'fleetnet.state.reported.v1',
  syncReported: 'fleetnet.sync.reported.v1',
  heartbeat: 'fleetnet.heartbeat.v1',
} as const;
export type EventType = (typeof EventTypes)[keyof typeof EventTypes];

const obj = <T extends Record<string, TSchema>>(props: T) => Type.Object(props, { additionalProperties: false });

export const PolicySource = obj({ policy: Name, revision: Type.Integer({ minimum: 1 }) });
export type PolicySource = Static<typeof PolicySource>;

export const PolicyUpsertedData = obj({
  policy: HostNetworkPolicy,
  replaces: Type.Optional(Type.Integer({
    minimum: 0,
    description: 'the revision this upsert means to replace (0: the policy does not exist yet); refused as a conflict when the policy is at another one. Absent: replace whatever is there (--force)',
  })),
});
export const PolicyDeletedData = obj({ name: Name });
export const HostLabeledData = obj({
  host: Name,
  set: Type.Optional(Labels),
  remove: Type.Optional(Type.Array(Type.String())),
});
export const HostRollbackRequestedData = obj({ host: Name, toVersion: Type.Integer({ minimum: 1 }) });
export const HostRetiredData = obj({ host: Name });
export const RolloutPausedData = obj({ policy: Name });
export const RolloutResumedData = obj({ policy: Name });
export const RolloutHostTimedOutData = obj({
  policy: Name,
  revision: Type.Integer({ minimum: 1 }),
  host: Name,
  version: Type.Integer({ minimum: 1 }),
  afterSeconds: Type.Number(),
});
/** Drop the frozen captures of a policy (for one host, or all): they are evaluated again at the next compile. */
export const RolloutRecaptureRequestedData = obj({ policy: Name, host: Type.Optional(Name) });
export const PoolUpsertedData = obj({ pool: AddressPool });
export const PoolDeletedData = obj({ name: Name });
/** Addresses a controller gave hosts, written on fleetnet.alloc.<pool> with expect.lastSubjectSequence. */
export const PoolAllocatedData = obj({
  pool: Name,
  allocations: Type.Array(obj({ host: Name, address: Type.String({ maxLength: 15 }) }), { minItems: 1, maxItems: 1000 }),
});
export const PoolReleasedData = obj({
  pool: Name,
  hosts: Type.Array(Name, { minItems: 1, maxItems: 1000 }),
  reason: Type.String({ maxLength: 200 }),
});
export const IntentRejectedData = obj({
  eventId: Type.Optional(Type.String()),
  subject: Type.String(),
  reason: Type.String(),
  errors: Type.Optional(Type.Array(obj({ path: Type.String(), message: Type.String() }))),
});

export const DesiredPublishedData = obj({
  host: Name,
  version: Type.Integer({ minimum: 1 }),
  state: NetworkState,
  contentHash: Type.String(),
  sources: Type.Array(PolicySource),
  probes: Type.Optional(Probes),
  enforce: Type.Optional(Type.Boolean()),
  reason: Type.Optional(Type.String({ description: 'why this version exists: policy, labels, rollback, ...' })),
  rollbackOf: Type.Optional(Type.Integer({ minimum: 1 })),
  /**
   * what each policy's `capture` matched for this host, by policy: frozen for that revision (later
   * compiles reuse it until a new revision or a recapture request), so applying the policy cannot
   * move what it captured
   */
  captured: Type.Optional(Type.Record(Type.String(), obj({ revision: Type.Integer({ minimum: 1 }), captured: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown())) }))),
});
export type DesiredPublishedData = Static<typeof DesiredPublishedData>;

export const HelloData = obj({
  host: Name,
  agentVersion: Type.String(),
  labels: Labels,
  facts: Facts,
  appliedVersion: Type.Optional(Type.Integer({ minimum: 0 })),
  /** the agent's own report counter, kept across restarts: a report counts only when newer than the host's last (the replay rule) */
  seq: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type HelloData = Static<typeof HelloData>;

export const StateReportedData = obj({
  host: Name,
  state: NetworkState,
  appliedVersion: Type.Optional(Type.Integer({ minimum: 0 })),
  /** the agent's own report counter, kept across restarts: a report counts only when newer than the host's last (the replay rule) */
  seq: Type.Optional(Type.Integer({ minimum: 1 })),
  /** set when the agent left part of the state out to fit the bus: what was left out and why */
  summarized: Type.Optional(Type.String()),
});
export type StateReportedData = Static<typeof StateReportedData>;

export const SyncReportedData = obj({
  host: Name,
  version: Type.Integer({ minimum: 1 }),
  phase: SyncPhase,
  inSync: Type.Optional(Type.Boolean()),
  results: Type.Optional(Type.Array(PropertyResult)),
  error: Type.Optional(ErrorInfo),
  timings: Type.Optional(Timings),
  attempt: Type.Optional(Type.Integer({ minimum: 1 })),
  operations: Type.Optional(Type.Array(Type.String())),
  /** the agent's own report counter, kept across restarts: a report counts only when newer than the host's last (the replay rule) */
  seq: Type.Optional(Type.Integer({ minimum: 1 })),
  /** set when the agent left results or operations out to fit the bus: what was left out and why */
  summarized: Type.Optional(Type.String()),
});
export type SyncReportedData = Static<typeof SyncReportedData>;

export const HeartbeatData = obj({
  host: Name,
  appliedVersion: Type.Optional(Type.Integer({ minimum: 0 })),
  uptimeSeconds: Type.Optional(Type.Number()),
});
export type HeartbeatData = Static<typeof HeartbeatData>;

/** Data schema for each event type: the single source of truth for what an event carries. */
export const EventDataSchemas = {
  [EventTypes.policyUpserted]: PolicyUpsertedData,
  [EventTypes.policyDeleted]: PolicyDeletedData,
  [EventTypes.hostLabeled]: HostLabeledData,
  [EventTypes.hostRollbackRequested]: HostRollbackRequestedData,
  [EventTypes.hostRetired]: HostRetiredData,
  [EventTypes.rolloutPaused]: RolloutPausedData,
  [EventTypes.rolloutResumed]: RolloutResumedData,
  [EventTypes.rolloutHostTimedOut]: RolloutHostTimedOutData,
  [EventTypes.rolloutRecaptureRequested]: RolloutRecaptureRequestedData,
  [EventTypes.poolUpserted]: PoolUpsertedData,
  [EventTypes.poolDeleted]: PoolDeletedData,
  [EventTypes.poolAllocated]: PoolAllocatedData,
  [EventTypes.poolReleased]: PoolReleasedData,
  [EventTypes.intentRejected]: IntentRejectedData,
  [EventTypes.desiredPublished]: DesiredPublishedData,
  [EventTypes.hello]: HelloData,
  [EventTypes.stateReported]: StateReportedData,
  [EventTypes.syncReported]: SyncReportedData,
  [EventTypes.heartbeat]: HeartbeatData,
} as const;

export type EventDataMap = { [K in EventType]: Static<(typeof EventDataSchemas)[K]> };

/** A CloudEvents 1.0 JSON envelope. `id` doubles as the JetStream `Nats-Msg-Id`. */
export const Envelope = Type.Object(
  {
    specversion: Type.Literal('1.0'),
    id: Type.String({ minLength: 1, maxLength: 200 }),
    source: Type.String({ minLength: 1 }),
    type: Type.String({ minLength: 1 }),
    subject: Type.String({ minLength: 1 }),
    time: Type.String({ format: 'date-time' }),
    datacontenttype: Type.Optional(Type.Literal('application/json')),
    data: Type.Unknown(),
  },
  { additionalProperties: false, $id: 'CloudEvent' },
);

export type FleetEvent<K extends EventType = EventType> = K extends EventType
  ? {
      specversion: '1.0';
      id: string;
      source: string;
      type: K;
      subject: string;
      time: string;
      datacontenttype?: 'application/json';
      data: EventDataMap[K];
    }
  : never;
