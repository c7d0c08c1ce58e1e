import { Inject, Injectable } from '@nestjs/common';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { parseSubject, Streams, subjects } from '@fleetnet/contracts';
import type { Bus } from '../bus.ts';
import { BUS, LOG } from '../config.ts';
import { Projector, type FlushResult } from './projector.ts';
import { STREAM_OF, lastSeqs } from './replay.ts';
import { desiredVersionOf, type StreamKey } from './state.ts';

type Waiter = { stream: StreamKey; seq: number; resolve: () => void };

/**
 * Folds the three streams live, each with its own ordered consumer, into one Projector, and
 * re-derives views in small batches. Others subscribe to each flush.
 */
@Injectable()
export class ProjectionService {
  readonly projector = new Projector();
  private readonly iters: ConsumerMessages[] = [];
  private readonly listeners: ((r: FlushResult) => void)[] = [];
  private waiters: Waiter[] = [];
  private flushTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOG) private readonly log: Logger,
  ) {}

  get state() {
    return this.projector.state;
  }

  onFlush(fn: (r: FlushResult) => void): void {
    this.listeners.push(fn);
  }

  /** Starts the live fold and resolves once everything in the streams at call time is folded. */
  async start(): Promise<void> {
    const target = await lastSeqs(this.bus);
    for (const key of ['desired', 'intent', 'reports'] as const) {
      const c = await this.bus.js.consumers.get(STREAM_OF[key]);
      const iter = await c.consume({ max_messages: 1000 });
      this.iters.push(iter);
      void this.loop(key, iter);
    }
    await Promise.all((Object.keys(target) as StreamKey[]).map((k) => this.waitFolded(k, target[k])));
  }

  private async loop(key: StreamKey, iter: ConsumerMessages) {
    try {
      for await (const m of iter) {
        if (this.stopped) break;
        try {
          if (key === 'reports') await this.desiredFirst(m);
          this.projector.apply({ stream: key, seq: m.seq, subject: m.subject, data: m.data, storedMs: Math.floor(m.info.timestampNanos / 1e6) });
        } catch (e) {
          this.log.error({ err: e, stream: STREAM_OF[key], seq: m.seq }, 'fold failed; message skipped');
        }
        this.scheduleFlush(m.info.pending === 0 ? 0 : 25);
      }
    } catch (e) {
      if (!this.stopped) this.log.error({ err: e, stream: STREAM_OF[key] }, 'consumer loop ended');
    }
  }

  /**
   * A sync can overtake the desired version it reports on (two streams, two consumers). Before
   * folding a sync for a version we have not seen, fold the host's desired subject up to its head;
   * a version that is still unknown then was never published.
   */
  private async desiredFirst(m: JsMsg) {
    const sub = parseSubject(m.subject);
    if (sub?.kind !== 'sync') return;
    let version = 0;
    try {
      version = Number((JSON.parse(new TextDecoder().decode(m.data)) as { data?: { version?: unknown } }).data?.version) || 0;
    } catch {
      return;
    }
    if (version <= desiredVersionOf(this.projector.state.hosts[sub.name!])) return;
    const head = await this.bus.jsm.streams.getMessage(Streams.desired, { last_by_subj: subjects.desired(sub.name!) }).catch(() => null);
    if (head) await this.waitFolded('desired', head.seq, 5000).catch(() => undefined);
  }

  private scheduleFlush(ms: number) {
    if (this.flushTimer && ms > 0) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => this.flush(), ms);
  }

  flush(): FlushResult {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const r = this.projector.flush();
    const seq = this.projector.state.seq;
    const ready = this.waiters.filter((w) => seq[w.stream] >= w.seq);
    this.waiters = this.waiters.filter((w) => seq[w.stream] < w.seq);
    if (r.hosts.length || r.policies.length) {
      for (const l of this.listeners) {
        try {
          l(r);
        } catch (e) {
          this.log.error({ err: e }, 'flush listener failed');
        }
      }
    }
    for (const w of ready) w.resolve();
    return r;
  }

  /** Resolves when `seq` of the stream is folded and its views derived. */
  waitFolded(stream: StreamKey, seq: number, timeoutMs = 30_000): Promise<void> {
    if (this.projector.state.seq[stream] >= seq && !this.projector.dirty) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${STREAM_OF[stream]} seq ${seq} not folded within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ stream, seq, resolve: () => (clearTimeout(t), resolve()) });
      if (this.projector.state.seq[stream] >= seq) this.scheduleFlush(0);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.flushTimer);
    await Promise.all(this.iters.map((i) => i.close().catch(() => undefined)));
  }
}
