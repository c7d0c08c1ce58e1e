import { encodeEvent, EventTypes, makeEvent, subjects } from '@fleetnet/contracts';
import type { Logger } from 'pino';
import type { Bus } from '../bus.ts';
import type { Refusal } from './decode.ts';
import type { StreamKey } from './state.ts';

export interface RefusalLimits {
  /** one record per subject per window; the ones in between are counted into the next */
  windowMs: number;
  /** records per window over all subjects, so a flood on many subjects is bounded too */
  maxPerWindow: number;
}

export const DEFAULT_REFUSAL_LIMITS: RefusalLimits = { windowMs: 10_000, maxPerWindow: 20 };

/**
 * Decides which refused messages are recorded: the first on a subject, then at most one per window
 * on that subject (saying how many were left out since), and no more than `maxPerWindow` in all.
 * Pure apart from the clock it is handed.
 */
export class RefusalLimiter {
  private readonly bySubject = new Map<string, { lastMs: number; skipped: number }>();
  private windowStart = -Infinity;
  private inWindow = 0;

  constructor(private readonly limits: RefusalLimits = DEFAULT_REFUSAL_LIMITS) {}

  /** Whether to record this refusal now and how many on its subject were left out before it; undefined: leave it out. */
  admit(subject: string, nowMs: number): { skipped: number } | undefined {
    if (nowMs - this.windowStart >= this.limits.windowMs) {
      this.windowStart = nowMs;
      this.inWindow = 0;
      for (const [s, e] of this.bySubject) if (nowMs - e.lastMs >= this.limits.windowMs && e.skipped === 0) this.bySubject.delete(s);
    }
    const e = this.bySubject.get(subject);
    if ((e && nowMs - e.lastMs < this.limits.windowMs) || this.inWindow >= this.limits.maxPerWindow) {
      if (e) e.skipped++;
      else this.bySubject.set(subject, { lastMs: -Infinity, skipped: 1 });
      return undefined;
    }
    const skipped = e?.skipped ?? 0;
    this.bySubject.set(subject, { lastMs: nowMs, skipped: 0 });
    this.inWindow++;
    return { skipped };
  }
}

/**
 * Refused reports and desired records are recorded, not dropped in silence: a
 * `fleetnet.intent.rejected` event naming the subject, the sequence and the reason (the same event
 * an invalid intent gets), and a log line; both rate-limited per subject.
 */
export class RefusalRecorder {
  private readonly limiter: RefusalLimiter;

  constructor(
    private readonly bus: Bus,
    private readonly source: string,
    private readonly log: Logger,
    limits: RefusalLimits = DEFAULT_REFUSAL_LIMITS,
  ) {
    this.limiter = new RefusalLimiter(limits);
  }

  record(stream: StreamKey, seq: number, subject: string, refusal: Refusal, nowMs = Date.now()): void {
    const ok = this.limiter.admit(subject, nowMs);
    if (!ok) return;
    const more = ok.skipped ? ` (and ${ok.skipped} more on this subject since the last record)` : '';
    const reason = `${stream} seq ${seq} refused: ${refusal.reason.slice(0, 500)}${more}`;
    this.log.warn({ stream, seq, subject, reason: refusal.reason.slice(0, 500), skipped: ok.skipped }, 'message refused');
    const ev = makeEvent(EventTypes.intentRejected, this.source, subjects.intentRejected, {
      subject, reason,
      ...(refusal.eventId ? { eventId: refusal.eventId.slice(0, 200) } : {}),
      ...(refusal.errors?.length ? { errors: refusal.errors.slice(0, 20) } : {}),
    }, { id: `refused-${stream}-${seq}` });
    // Two controllers fold the same message: the event id makes it one record.
    this.bus.js.publish(subjects.intentRejected, encodeEvent(ev), { msgID: ev.id })
      .catch((e: unknown) => this.log.warn({ err: e, subject, seq }, 'could not record a refused message'));
  }
}
