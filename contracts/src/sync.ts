import { Type, type Static } from '@sinclair/typebox';
import { literalUnion } from './state.ts';

/** One compared property, as oVirt's network attachment report shows it. */
export const PropertyResult = Type.Object(
  {
    path: Type.String({ description: 'where in the desired state, e.g. interfaces[br0].mtu' }),
    property: Type.String({ description: 'short name, e.g. mtu, bridged, vlan, ipv4_boot_protocol' }),
    expected: Type.Unknown(),
    actual: Type.Unknown(),
    inSync: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type PropertyResult = Static<typeof PropertyResult>;

export const SyncPhases = ['Pending', 'Applying', 'Applied', 'RolledBack', 'Failed', 'Drifted'] as const;
export type SyncPhase = (typeof SyncPhases)[number];
export const SyncPhase = literalUnion(SyncPhases, 'sync phase');

export const ErrorInfo = Type.Object(
  {
    message: Type.String(),
    probe: Type.Optional(Type.String({ description: 'the probe that failed, e.g. ping 10.0.0.1' })),
    command: Type.Optional(Type.String({ description: 'the command that failed, argv joined by spaces' })),
    stderr: Type.Optional(Type.String()),
    operation: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type ErrorInfo = Static<typeof ErrorInfo>;

export const Timings = Type.Object(
  {
    readMs: Type.Optional(Type.Number()),
    planMs: Type.Optional(Type.Number()),
    applyMs: Type.Optional(Type.Number()),
    verifyMs: Type.Optional(Type.Number()),
    probeMs: Type.Optional(Type.Number()),
    totalMs: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type Timings = Static<typeof Timings>;
