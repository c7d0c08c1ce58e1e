import { randomUUID } from 'node:crypto';
import { Envelope, EventDataSchemas, type EventDataMap, type EventType, type FleetEvent } from './events.ts';
import { schemaErrors, type ValidationError } from './validate.ts';
import { checkJsonText, DEFAULT_BOUNDS, type Bounds } from './bounds.ts';

export function makeEvent<K extends EventType>(
  type: K,
  source: string,
  subject: string,
  data: EventDataMap[K],
  opts: { id?: string; time?: Date } = {},
): FleetEvent<K> {
  return {
    specversion: '1.0',
    id: opts.id ?? randomUUID(),
    source,
    type,
    subject,
    time: (opts.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    data,
  } as FleetEvent<K>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encodeEvent = (event: FleetEvent): Uint8Array => encoder.encode(JSON.stringify(event));

export class InvalidEvent extends Error {
  override name = 'InvalidEvent';
  constructor(
    message: string,
    readonly errors: ValidationError[] = [],
  ) {
    super(errors.length ? `${message}: ${errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}` : message);
  }
}

export type ParsedEvent = { ok: true; event: FleetEvent } | { ok: false; error: InvalidEvent };

/**
 * Decodes and validates an event from the wire. A truncated or forged message is refused here,
 * before any consumer can fold it: it must be complete JSON, a CloudEvents 1.0 envelope,
 * of a known type, with data matching that type's schema.
 */
export function parseEvent(bytes: Uint8Array | string, expectedTypes?: readonly EventType[], bounds: Bounds = DEFAULT_BOUNDS): ParsedEvent {
  const text = typeof bytes === 'string' ? bytes : decoder.decode(bytes);
  // Before anything recursive (schema validation) walks it: a 5,000-deep document is refused here, cheaply.
  const tooBig = checkJsonText(text, bounds);
  if (tooBig) return { ok: false, error: new InvalidEvent(`event refused: ${tooBig.message}`) };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: new InvalidEvent(`event is not complete JSON (${(e as Error).message}); truncated?`) };
  }
  const envErrors = schemaErrors(Envelope, raw);
  if (envErrors.length) return { ok: false, error: new InvalidEvent('not a CloudEvents 1.0 envelope', envErrors) };
  const env = raw as { type: string; data: unknown };
  const schema = (EventDataSchemas as Record<string, (typeof EventDataSchemas)[EventType]>)[env.type];
  if (!schema) return { ok: false, error: new InvalidEvent(`unknown event type "${env.type}"`) };
  if (expectedTypes && !expectedTypes.includes(env.type as EventType)) {
    return { ok: false, error: new InvalidEvent(`event type "${env.type}" is not one of ${expectedTypes.join(', ')}`) };
  }
  if (!('data' in (raw as object))) return { ok: false, error: new InvalidEvent('event has no data') };
  const dataErrors = schemaErrors(schema, env.data, ['data']);
  if (dataErrors.length) return { ok: false, error: new InvalidEvent(`invalid data for ${env.type}`, dataErrors) };
  return { ok: true, event: raw as FleetEvent };
}
