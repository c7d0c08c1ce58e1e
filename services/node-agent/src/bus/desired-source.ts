import type { NatsConnection, Msg, Subscription } from '@nats-io/transport-node';
import { EventTypes, parseEvent, Streams, subjects, type DesiredPublishedData } from '@fleetnet/contracts';

/**
 * How an agent learns its desired state, within DESIGN.md's security model: a direct get of the
 * last message on its own subject (at start and after every reconnect), plus a live core
 * subscription to that one subject. Never a consumer on the stream: the server's subject
 * permissions can then guarantee that a host reads nothing but its own configuration.
 */
export type DesiredResult = { ok: true; desired: DesiredPublishedData } | { ok: false; reason: string };

export function decodeDesired(host: string, data: Uint8Array): DesiredResult {
  const parsed = parseEvent(data, [EventTypes.desiredPublished]);
  if (!parsed.ok) return { ok: false, reason: parsed.error.message };
  const d = parsed.event.data as DesiredPublishedData;
  if (d.host !== host) return { ok: false, reason: `desired state for host "${d.host}" on ${host}'s subject` };
  return { ok: true, desired: d };
}

/** The newest desired version for `host`, or undefined when none was ever published. */
export async function fetchLastDesired(nc: NatsConnection, host: string, timeoutMs = 5000): Promise<DesiredResult | undefined> {
  const msg = await nc.request(`$JS.API.DIRECT.GET.${Streams.desired}.${subjects.desired(host)}`, undefined, { timeout: timeoutMs });
  if (msg.headers?.code === 404 || (msg.data.length === 0 && msg.headers?.hasError)) return undefined;
  if (msg.headers?.hasError) throw new Error(`direct get of ${subjects.desired(host)} failed: ${msg.headers.code} ${msg.headers.description}`);
  return decodeDesired(host, msg.data);
}

export function subscribeDesired(nc: NatsConnection, host: string, onDesired: (r: DesiredResult) => void): Subscription {
  return nc.subscribe(subjects.desired(host), { callback: (err, msg: Msg) => {
    if (!err) onDesired(decodeDesired(host, msg.data));
  } });
}
