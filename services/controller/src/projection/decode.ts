import {
  EventTypes, parseEvent, parseSubject,
  type EventType, type FleetEvent, type ParsedSubject, type SubjectKind, type ValidationError,
} from '@fleetnet/contracts';
import type { StreamKey } from './state.ts';

/** One stream message as the fold sees it. */
export interface FoldInput {
  stream: StreamKey;
  seq: number;
  subject: string;
  data: Uint8Array | string;
  /** when the server stored the message (ms); orders a sync after the desired version it reports on */
  storedMs?: number;
}

/** Why a message counts for nothing: a sentence, the event's id when it could be read, schema errors. */
export interface Refusal {
  reason: string;
  eventId?: string;
  errors?: { path: string; message: string }[];
}

/**
 * A stream message decoded once: its subject, and the event (checked against the types its subject
 * allows) or why it was refused. The live reader decodes before it decides whether to wait for the
 * desired stream, and the fold reads the same result.
 */
export type Decoded = Omit<FoldInput, 'data'> & { sub: ParsedSubject | undefined } & (
  | { ok: true; event: FleetEvent }
  | ({ ok: false } & Refusal)
);

const POLICY_INTENT_TYPES: readonly EventType[] = [
  EventTypes.policyUpserted, EventTypes.policyDeleted, EventTypes.rolloutPaused, EventTypes.rolloutResumed,
  EventTypes.rolloutHostTimedOut, EventTypes.rolloutRecaptureRequested,
];
const HOST_INTENT_TYPES: readonly EventType[] = [EventTypes.hostLabeled, EventTypes.hostRollbackRequested, EventTypes.hostRetired];

/** The event types each subject may carry; subjects not listed are never parsed. */
const TYPES_OF: Partial<Record<SubjectKind, readonly EventType[]>> = {
  'intent-policy': POLICY_INTENT_TYPES,
  'intent-host': HOST_INTENT_TYPES,
  'intent-pool': [EventTypes.poolUpserted, EventTypes.poolDeleted],
  alloc: [EventTypes.poolAllocated, EventTypes.poolReleased],
  desired: [EventTypes.desiredPublished],
  hello: [EventTypes.hello],
  state: [EventTypes.stateReported],
  sync: [EventTypes.syncReported],
};

const SUBJECT_HINT: Record<StreamKey, string> = {
  intent: 'fleetnet.intent.policy|host|pool.<name> or fleetnet.alloc.<pool>',
  desired: 'fleetnet.desired.<host>',
  reports: 'fleetnet.hello|state|sync.<host>',
};

const errs = (errors: readonly ValidationError[]) => errors.map((e) => ({ path: e.path, message: e.message }));

/** The id of an event that failed validation, to name it in a rejection (only on this error path). */
function idOf(data: Uint8Array | string): string | undefined {
  try {
    const raw = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data)) as { id?: unknown };
    return typeof raw?.id === 'string' ? raw.id : undefined;
  } catch {
    return undefined; // truncated: no id to name
  }
}

/** Subjects named for a host: the event must be about that host. */
const HOST_SUBJECTS = new Set<SubjectKind>(['desired', 'hello', 'state', 'sync']);

/**
 * Decodes one message: the envelope must be of a type its subject allows and must name the same
 * subject; a desired version or a report must be about the host its subject names (NATS
 * permissions bind a host's user to its own subjects, so a host may only speak for itself).
 */
export function decode(msg: FoldInput): Decoded {
  const { data: _data, ...at } = msg;
  const sub = parseSubject(msg.subject);
  const types = sub && TYPES_OF[sub.kind];
  if (!sub || !types) return { ...at, sub, ok: false, reason: `subject "${msg.subject}" is not one of ${SUBJECT_HINT[msg.stream]}` };
  const p = parseEvent(msg.data, types);
  if (!p.ok) {
    const eventId = idOf(msg.data);
    return { ...at, sub, ok: false, reason: p.error.message, errors: errs(p.error.errors), ...(eventId ? { eventId } : {}) };
  }
  const ev = p.event;
  const refuse = (reason: string): Decoded => ({ ...at, sub, ok: false, reason, eventId: ev.id });
  if (ev.subject !== msg.subject) return refuse(`envelope subject "${ev.subject}" differs from the NATS subject "${msg.subject}"`);
  if (HOST_SUBJECTS.has(sub.kind) && (ev.data as { host: string }).host !== sub.name) {
    return refuse(`host "${(ev.data as { host: string }).host}" differs from the subject's "${sub.name}"`);
  }
  return { ...at, sub, ok: true, event: ev };
}
