import { Inject, Injectable } from '@nestjs/common';
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { EventTypes, Streams, subjects } from '@fleetnet/contracts';
import type { Bus } from '../bus.ts';
import { BUS, CONFIG, LOG, type ControllerOptions } from '../config.ts';
import { decode, type Decoded, type FoldInput } from './decode.ts';
import { Projector, type FlushResult } from './projector.ts';
import { RefusalRecorder } from './refusals.ts';
import { STREAM_OF, lastSeqs } from './replay.ts';
import { desiredVersionOf, type StreamKey } from './state.ts';

type Waiter = { stream: StreamKey; seq: number; resolve: () => void };

/** One stream's live reader: which generation of consumer is current, and when it last delivered. */
interface Reader {
  iter?: ConsumerMessages;
  gen: number;
  aliveAt: number;
  busy: boolean;
  opening: boolean;
}
const newReader = (): Reader => ({ gen: 0, aliveAt: 0, busy: false, opening: false });
const STREAM_KEYS = ['desired', 'intent', 'reports'] as const;
const READER_CHECK_MS = 1000;
const READER_STALL_MS = 3000;
const DESIRED_FIRST_MS = 60_000;

/**
 * Folds the three streams live, each with its own ordered consumer, into one Projector, and
 * re-derives views in small batches. Others subscribe to each flush.
 */
@Injectable()
export class ProjectionService {
  readonly projector = new Projector();
  private readonly readers: Record<StreamKey, Reader> = { desired: newReader(), intent: newReader(), reports: newReader() };
  private watchdog?: NodeJS.Timeout;
  private readonly listeners: ((r: FlushResult) => void)[] = [];
  private waiters: Waiter[] = [];
  private flushTimer?: NodeJS.Timeout;
  private stopped = false;
  private readonly refusals: RefusalRecorder;
  /** what was in the streams at start: refusals in that history were recorded when they happened */
  private history: Record<StreamKey, number> = { intent: Infinity, desired: Infinity, reports: Infinity };

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) opts: ControllerOptions,
    @Inject(LOG) private readonly log: Logger,
  ) {
    this.refusals = new RefusalRecorder(bus, opts.name, log);
  }

  get state() {
    return this.projector.state;
  }

  onFlush(fn: (r: FlushResult) => void): void {
    this.listeners.push(fn);
  }

  /** Starts the live fold and resolves once everything in the streams at call time is folded. */
  async start(): Promise<void> {
    const target = await lastSeqs(this.bus);
    this.history = target;
    for (const key of STREAM_KEYS) await this.openReader(key, 'start');
    this.watchdog = setInterval(() => void this.checkReaders(), READER_CHECK_MS);
    void this.reopenOnReconnect();
    await Promise.all((Object.keys(target) as StreamKey[]).map((k) => this.waitFolded(k, target[k])));
  }

  /**
   * (Re)opens the ordered consumer of one stream right after the last folded sequence. An ordered
   * consumer lives on one server: when that server dies (a cluster node, or a restart of a single
   * server) the client library may neither recreate it nor ask for more messages, so the fold would
   * stop without an error. Reopening from our own folded sequence is always safe: the fold ignores
   * what it has already seen.
   */
  private async openReader(key: StreamKey, why: string): Promise<void> {
    const r = this.readers[key];
    if (r.opening) return;
    r.opening = true;
    try {
      const gen = ++r.gen;
      await r.iter?.close().catch(() => undefined);
      const from = this.projector.state.seq[key] + 1;
      const c = await this.bus.js.consumers.get(STREAM_OF[key], { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from });
      const iter = await c.consume({ max_messages: 1000 });
      if (this.stopped || gen !== r.gen) {
        await iter.close().catch(() => undefined);
        return;
      }
      r.iter = iter;
      r.aliveAt = Date.now();
      if (why !== 'start') this.log.warn({ stream: STREAM_OF[key], from, why }, 'stream reader reopened');
      void this.loop(key, iter, gen);
    } catch (e) {
      this.log.warn({ err: (e as Error).message, stream: STREAM_OF[key], why }, 'cannot open the stream reader yet; will retry');
      if (why === 'start') throw e;
    } finally {
      r.opening = false;
    }
  }

  /** A reader that has fallen behind its stream and received nothing for a while is reopened. */
  private async checkReaders(): Promise<void> {
    if (this.stopped) return;
    let last: Record<StreamKey, number>;
    try {
      last = await lastSeqs(this.bus);
    } catch {
      return; // the streams cannot answer right now (e.g. a leader election): next round
    }
    for (const key of STREAM_KEYS) {
      const r = this.readers[key];
      const behind = last[key] > this.projector.state.seq[key];
      if (behind && !r.busy && Date.now() - r.aliveAt > READER_STALL_MS) await this.openReader(key, `no message for ${READER_STALL_MS} ms while the stream is ahead (${this.projector.state.seq[key]} < ${last[key]})`);
    }
  }

  private async reopenOnReconnect(): Promise<void> {
    for await (const s of this.bus.nc.status()) {
      if (this.stopped) return;
      if (s.type === 'reconnect') for (const key of STREAM_KEYS) await this.openReader(key, 'reconnected to NATS');
    }
  }

  private async loop(key: StreamKey, iter: ConsumerMessages, gen: number) {
    const r = this.readers[key];
    try {
      for await (const m of iter) {
        if (this.stopped || gen !== r.gen) break;
        r.aliveAt = Date.now();
        r.busy = true;
        try {
          const msg: FoldInput = { stream: key, seq: m.seq, subject: m.subject, data: m.data, storedMs: Math.floor(m.info.timestampNanos / 1e6) };
          const decoded = decode(msg);
          // The intake answers refused intent; refused reports and desired records are recorded here.
          if (!decoded.ok && key !== 'intent' && m.seq > this.history[key] && m.seq > this.projector.state.seq[key]) {
            this.refusals.record(key, m.seq, m.subject, decoded);
          }
          await this.desiredFirst(decoded);
          if (gen !== r.gen) break;
          this.projector.apply(msg, decoded);
        } catch (e) {
          this.log.error({ err: e, stream: STREAM_OF[key], seq: m.seq }, 'fold failed; message skipped');
        } finally {
          r.busy = false;
        }
        this.scheduleFlush(m.info.pending === 0 ? 0 : 25);
      }
    } catch (e) {
      if (!this.stopped && gen === r.gen) {
        this.log.error({ err: e, stream: STREAM_OF[key] }, 'stream reader ended; reopening');
        r.aliveAt = 0;
      }
    }
  }

  /**
   * A sync or a rollback request can overtake the desired version it names (separate streams,
   * separate consumers). Before folding one that names a version we have not seen, fold the host's
   * desired subject up to its head; a version that is still unknown then was never published.
   */
  private async desiredFirst(m: Decoded) {
    if (!m.ok) return;
    const ev = m.event;
    const named = ev.type === EventTypes.syncReported ? { host: ev.data.host, version: ev.data.version }
      : ev.type === EventTypes.hostRollbackRequested ? { host: ev.data.host, version: ev.data.toVersion }
      : undefined;
    if (!named || named.version <= desiredVersionOf(this.projector.state.hosts[named.host])) return;
    const head = await this.bus.jsm.streams.getMessage(Streams.desired, { last_by_subj: subjects.desired(named.host) }).catch(() => null);
    // A message whose version is not folded yet would be refused for good, so wait for the desired
    // reader (reopened by the watchdog if it stalls) rather than fold too early.
    if (head) {
      await this.waitFolded('desired', head.seq, DESIRED_FIRST_MS).catch(() =>
        this.log.error({ host: named.host, version: named.version, desiredSeq: head.seq }, `desired stream not folded within ${DESIRED_FIRST_MS} ms; folding anyway`));
    }
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
    clearInterval(this.watchdog);
    await Promise.all(STREAM_KEYS.map((k) => this.readers[k].iter?.close().catch(() => undefined)));
  }
}
