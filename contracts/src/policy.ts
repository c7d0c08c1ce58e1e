import { Type, type Static } from '@sinclair/typebox';
import { Name } from './names.ts';
import { literalUnion } from './state.ts';
import { TemplatedNetworkState } from './render/templated-schema.ts';

const LabelKey = Type.String({ pattern: '^([a-z0-9.-]+/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$' });
const LabelValue = Type.String({
  pattern: '^(([A-Za-z0-9][A-Za-z0-9_.-]{0,61})?[A-Za-z0-9])?$',
  maxLength: 63,
  description: 'label value: empty, or up to 63 letters, digits, "-", "_", "." starting and ending with a letter or digit',
});
export const Labels = Type.Record(LabelKey, LabelValue, {
  // Without this a record with a key pattern accepts any key.
  additionalProperties: false,
  description: 'label keys are an optional DNS prefix and "/", then up to 63 letters, digits, "-", "_", "." starting and ending with a letter or digit',
});
export type Labels = Static<typeof Labels>;

export const SelectorOperators = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export const LabelSelector = Type.Object(
  {
    matchLabels: Type.Optional(Labels),
    matchExpressions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            key: LabelKey,
            operator: literalUnion(SelectorOperators, 'selector operator'),
            values: Type.Optional(Type.Array(LabelValue)),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);
export type LabelSelector = Static<typeof LabelSelector>;

export const Rollout = Type.Object(
  {
    maxUnavailable: Type.Optional(
      Type.Union([
        Type.Integer({ minimum: 1 }),
        Type.String({ pattern: '^([1-9][0-9]?|100)%$', description: 'percentage of matched hosts, e.g. "10%"' }),
      ], { description: 'hosts applying at once: a count of at least 1 or a percentage from 1% to 100%, e.g. "10%"' }),
    ),
    canary: Type.Optional(Type.Integer({ minimum: 0, description: 'hosts that must succeed before the rest start' })),
    failureThreshold: Type.Optional(
      Type.Integer({ minimum: 1, description: 'failed hosts after which the rollout halts' }),
    ),
    hostTimeoutSeconds: Type.Optional(
      Type.Integer({ minimum: 1, description: 'a host that has not reported within this time counts as failed' }),
    ),
  },
  { additionalProperties: false },
);
export type Rollout = Static<typeof Rollout>;

export const Probes = Type.Object(
  {
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
    gateway: Type.Optional(Type.Boolean({ description: 'ping every default gateway (default true)' })),
    bus: Type.Optional(Type.Boolean({ description: 'a round trip to NATS must still work (default true)' })),
    ping: Type.Optional(
      Type.Array(
        Type.Object({ address: Type.String(), interface: Type.Optional(Type.String()) }, { additionalProperties: false }),
      ),
    ),
    tcp: Type.Optional(
      Type.Array(
        Type.Object(
          { host: Type.String(), port: Type.Integer({ minimum: 1, maximum: 65535 }) },
          { additionalProperties: false },
        ),
      ),
    ),
    dns: Type.Optional(
      Type.Array(
        Type.Object({ server: Type.String(), name: Type.Optional(Type.String()) }, { additionalProperties: false }),
      ),
    ),
  },
  { additionalProperties: false },
);
export type Probes = Static<typeof Probes>;

export const CAPTURE_NAME_PATTERN = '^[A-Za-z0-9_-]+$';

export const PolicySpec = Type.Object(
  {
    hostSelector: Type.Optional(LabelSelector),
    priority: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
    // nmstate's capture: name -> expression, evaluated against each host's reported state (render/).
    capture: Type.Optional(
      Type.Record(Type.String({ pattern: CAPTURE_NAME_PATTERN }), Type.String({ minLength: 1 }), {
        additionalProperties: false,
        description: 'capture names are letters, digits, "-" and "_"; values are nmstate capture expressions, e.g. routes.running.destination=="0.0.0.0/0"',
      }),
    ),
    // May hold {{ }} references where typed values stand; the state a host gets is rendered and strict.
    desiredState: TemplatedNetworkState,
    rollout: Type.Optional(Rollout),
    probes: Type.Optional(Probes),
    enforce: Type.Optional(Type.Boolean({ description: 're-apply when the host drifts' })),
  },
  { additionalProperties: false },
);
export type PolicySpec = Static<typeof PolicySpec>;

export const POLICY_API_VERSION = 'fleetnet.io/v1';

export const HostNetworkPolicy = Type.Object(
  {
    apiVersion: Type.Literal(POLICY_API_VERSION),
    kind: Type.Literal('HostNetworkPolicy'),
    metadata: Type.Object(
      {
        name: Name,
        labels: Type.Optional(Labels),
        annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
      },
      { additionalProperties: false },
    ),
    spec: PolicySpec,
  },
  { additionalProperties: false, $id: 'HostNetworkPolicy' },
);
export type HostNetworkPolicy = Static<typeof HostNetworkPolicy>;
