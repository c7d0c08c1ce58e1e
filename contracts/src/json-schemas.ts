import type { TSchema } from '@sinclair/typebox';
import { ApiSchemas } from './api.ts';
import { Envelope, EventDataSchemas } from './events.ts';
import { HostNetworkPolicy } from './policy.ts';
import { HostView, PolicyView, RolloutView } from './projection.ts';
import { NetworkState } from './state.ts';
import { AddressPool, PoolView } from './pool.ts';

/**
 * Every JSON Schema fleetnet publishes for other services, by file name under contracts/schemas/.
 * `pnpm schemas` writes them; a test fails when the files are stale.
 */
export function publishedSchemas(): Record<string, unknown> {
  const out: Record<string, TSchema> = {
    'network-state.json': NetworkState,
    'host-network-policy.json': HostNetworkPolicy,
    'cloudevent.json': Envelope,
    'host-view.json': HostView,
    'policy-view.json': PolicyView,
    'rollout-view.json': RolloutView,
    'address-pool.json': AddressPool,
    'pool-view.json': PoolView,
  };
  for (const [type, schema] of Object.entries(EventDataSchemas)) out[`events/${type}.json`] = schema;
  for (const [method, { request, response }] of Object.entries(ApiSchemas)) {
    out[`api/${method}.request.json`] = request;
    out[`api/${method}.response.json`] = response;
  }
  // JSON.parse(JSON.stringify()) drops TypeBox's symbol keys: what remains is plain JSON Schema.
  return Object.fromEntries(
    Object.entries(out).map(([k, v]) => [k, { $schema: 'http://json-schema.org/draft-07/schema#', ...JSON.parse(JSON.stringify(v)) }]),
  );
}

export const schemaFileText = (schema: unknown) => `${JSON.stringify(schema, null, 2)}\n`;
