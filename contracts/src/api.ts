import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Name } from './names.ts';
import { HostNetworkPolicy } from './policy.ts';
import { EventSummary, HistoryEntry, HostView, PolicyView, RolloutView } from './projection.ts';
import { NetworkState } from './state.ts';
import { PoolView } from './pool.ts';
import type { ApiMethod } from './subjects.ts';

/** Request and response bodies of the controller's request/reply API (`fleetnet.api.<method>`). */
const obj = <T extends Record<string, TSchema>>(props: T) => Type.Object(props, { additionalProperties: false });

export const ApiErrorCodes = ['BAD_REQUEST', 'NOT_FOUND', 'CONFLICT', 'UNAVAILABLE', 'INTERNAL'] as const;
export const ApiError = obj({
  error: obj({
    code: Type.Union(ApiErrorCodes.map((c) => Type.Literal(c))),
    message: Type.String(),
    details: Type.Optional(Type.Array(obj({ path: Type.String(), message: Type.String() }))),
  }),
});
export type ApiError = Static<typeof ApiError>;

export const Change = obj({
  op: Type.Union([Type.Literal('add'), Type.Literal('remove'), Type.Literal('modify')]),
  path: Type.String({ description: 'e.g. interfaces[br0].mtu' }),
  from: Type.Optional(Type.Unknown()),
  to: Type.Optional(Type.Unknown()),
});
export type Change = Static<typeof Change>;

/**
 * Lists come in pages (kubectl's chunking): at most `limit` items, fewer when the page would not fit
 * in one NATS message; `continue` in a reply means there is more, and is passed back as is to get it.
 */
const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'at most this many items in this page (default 500)' })),
  continue: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'the continue token of the previous page' })),
};
const Page = <T extends TSchema>(item: T) => ({
  items: Type.Array(item),
  total: Type.Integer({ description: 'items matching the request over all pages' }),
  continue: Type.Optional(Type.String({ description: 'present when there are more items: pass it back to get the next page' })),
});

export const ApiSchemas = {
  'hosts.list': {
    request: obj({ selector: Type.Optional(Type.String()), phase: Type.Optional(Type.String()), ...Paging }),
    response: obj(Page(HostView)),
  },
  'hosts.get': {
    request: obj({ name: Name }),
    response: obj({ host: HostView, events: Type.Array(EventSummary) }),
  },
  'hosts.history': {
    request: obj({ name: Name }),
    response: obj({ host: Type.String(), versions: Type.Array(HistoryEntry) }),
  },
  'hosts.desired': {
    request: obj({ name: Name, version: Type.Optional(Type.Integer({ minimum: 1 })) }),
    response: obj({ host: Type.String(), version: Type.Integer(), state: NetworkState }),
  },
  'hosts.rollback': {
    request: obj({ name: Name, toVersion: Type.Integer({ minimum: 1 }) }),
    response: obj({ host: Type.String(), version: Type.Integer({ description: 'the new version carrying the old content' }) }),
  },
  'policies.list': {
    request: obj({ selector: Type.Optional(Type.String()), ...Paging }),
    response: obj(Page(PolicyView)),
  },
  'policies.get': {
    request: obj({ name: Name }),
    response: obj({ policy: PolicyView }),
  },
  'rollouts.list': {
    request: obj({ ...Paging }),
    response: obj(Page(RolloutView)),
  },
  'rollouts.get': {
    request: obj({ policy: Name }),
    response: obj({ rollout: RolloutView }),
  },
  'rollouts.recapture': {
    request: obj({ policy: Name, host: Type.Optional(Name) }),
    response: obj({ policy: Name, host: Type.Optional(Name), revision: Type.Integer() }),
  },
  'pools.list': {
    request: obj({}),
    response: obj({ items: Type.Array(PoolView, { description: 'every pool, its allocations left out (pools.get has them)' }) }),
  },
  'pools.get': {
    request: obj({ name: Name }),
    response: obj({ pool: PoolView }),
  },
  'rollouts.pause': {
    request: obj({ policy: Name }),
    response: obj({ rollout: RolloutView }),
  },
  'rollouts.resume': {
    request: obj({ policy: Name }),
    response: obj({ rollout: RolloutView }),
  },
  plan: {
    request: obj({ policy: HostNetworkPolicy }),
    response: obj({
      policy: Type.String(),
      matchedHosts: Type.Array(
        obj({
          host: Type.String(),
          currentVersion: Type.Integer(),
          changes: Type.Array(Change, { description: 'against the current desired state' }),
          actualChanges: Type.Array(Change, { description: 'against the last reported actual state' }),
          conflicts: Type.Array(Type.String()),
        }),
      ),
      unmatchedHosts: Type.Integer(),
    }),
  },
} as const satisfies Record<ApiMethod, { request: TSchema; response: TSchema }>;

export type ApiRequest<M extends ApiMethod> = Static<(typeof ApiSchemas)[M]['request']>;
export type ApiResponse<M extends ApiMethod> = Static<(typeof ApiSchemas)[M]['response']>;
