import {
  EventTypes, parseEvent, parseSubject, validatePolicy,
  type EventType, type FleetEvent, type ValidationError,
} from '@fleetnet/contracts';
import type { Projection } from '../projection/state.ts';

export type IntentCheck =
  | { ok: true; event: FleetEvent }
  | { ok: false; reason: string; eventId?: string; errors?: { path: string; message: string }[] };

const POLICY_TYPES: readonly EventType[] = [
  EventTypes.policyUpserted, EventTypes.policyDeleted, EventTypes.rolloutPaused, EventTypes.rolloutResumed,
  EventTypes.rolloutHostTimedOut,
];
const HOST_TYPES: readonly EventType[] = [EventTypes.hostLabeled, EventTypes.hostRollbackRequested, EventTypes.hostRetired];

const errs = (errors: ValidationError[]) => errors.map((e) => ({ path: e.path, message: e.message }));

/**
 * Whether an intent message may change anything. The projection and the intake both ask this,
 * so every controller agrees on which intent counts; only checks against intent-derived state
 * (policies known) are made here, so the answer does not depend on how streams interleave.
 */
export function checkIntent(state: Projection, subject: string, data: Uint8Array | string): IntentCheck {
  const parsed = parseSubject(subject);
  if (!parsed || (parsed.kind !== 'intent-policy' && parsed.kind !== 'intent-host')) {
    return { ok: false, reason: `subject "${subject}" is not an intent subject (fleetnet.intent.policy.<name> or fleetnet.intent.host.<name>)` };
  }
  const allowed = parsed.kind === 'intent-policy' ? POLICY_TYPES : HOST_TYPES;
  const p = parseEvent(data, allowed);
  if (!p.ok) {
    let eventId: string | undefined;
    try {
      const raw = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data)) as { id?: unknown };
      if (typeof raw?.id === 'string') eventId = raw.id;
    } catch { /* truncated: no id to name */ }
    return { ok: false, reason: p.error.message, errors: errs(p.error.errors), ...(eventId ? { eventId } : {}) };
  }
  const ev = p.event;
  const fail = (reason: string, errors?: ValidationError[]): IntentCheck => ({
    ok: false, reason, eventId: ev.id, ...(errors ? { errors: errs(errors) } : {}),
  });
  const name = parsed.name!;
  if (ev.subject !== subject) return fail(`envelope subject "${ev.subject}" differs from the NATS subject "${subject}"`);
  const policy = state.policies[name];
  const live = policy && !policy.deleted;
  switch (ev.type) {
    case EventTypes.policyUpserted: {
      const v = validatePolicy(ev.data.policy);
      if (!v.ok) return fail(`policy "${name}" is invalid`, v.errors.map((e) => ({ ...e, path: `data.policy.${e.path}` })));
      if (ev.data.policy.metadata.name !== name) return fail(`policy name "${ev.data.policy.metadata.name}" differs from the subject's "${name}"`);
      return { ok: true, event: ev };
    }
    case EventTypes.policyDeleted:
      if (ev.data.name !== name) return fail(`policy name "${ev.data.name}" differs from the subject's "${name}"`);
      if (!live) return fail(`unknown policy "${name}"`);
      return { ok: true, event: ev };
    case EventTypes.rolloutPaused:
    case EventTypes.rolloutResumed:
    case EventTypes.rolloutHostTimedOut:
      if (ev.data.policy !== name) return fail(`policy "${ev.data.policy}" differs from the subject's "${name}"`);
      if (!live) return fail(`unknown policy "${name}"`);
      return { ok: true, event: ev };
    case EventTypes.hostLabeled:
    case EventTypes.hostRollbackRequested:
    case EventTypes.hostRetired:
      if (ev.data.host !== name) return fail(`host "${ev.data.host}" differs from the subject's "${name}"`);
      return { ok: true, event: ev };
    default:
      return fail(`event type "${ev.type}" is not an intent`);
  }
}
