import { Inject, Injectable } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { encodeEvent, EventTypes, makeEvent, Streams, subjects } from '@fleetnet/contracts';
import type { Bus } from '../bus.ts';
import { BUS, CONFIG, LOG, type ControllerOptions } from '../config.ts';
import { decode } from '../projection/decode.ts';
import { checkIntent } from '../projection/intent.ts';
import { ProjectionService } from '../projection/service.ts';

export const INTAKE_CONSUMER = 'fleetnet-controller-intake';

/**
 * The durable intake: every intent message is judged once (by whichever controller pulls it) and
 * an invalid one is answered with a `fleetnet.intent.rejected` event naming the reason, then acked.
 * It judges nothing itself: the verdict is the one the fold reached (`projection/intent.ts`), so a
 * rejected intent has changed nothing and an intent that changed something is never rejected.
 */
@Injectable()
export class IntakeService {
  private iter?: ConsumerMessages;
  private stopped = false;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly opts: ControllerOptions,
    @Inject(LOG) private readonly log: Logger,
    @Inject(ProjectionService) private readonly projection: ProjectionService,
  ) {}

  async start(): Promise<void> {
    const existing = await this.bus.jsm.consumers.info(Streams.intent, INTAKE_CONSUMER).catch(() => undefined);
    if (!existing) {
      await this.bus.jsm.consumers
        .add(Streams.intent, {
          durable_name: INTAKE_CONSUMER, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All,
          filter_subject: 'fleetnet.intent.>', ack_wait: 30_000_000_000, max_deliver: -1,
        })
        .catch(async (e) => {
          // Created by the other controller in the meantime: fine.
          if (!(await this.bus.jsm.consumers.info(Streams.intent, INTAKE_CONSUMER).catch(() => undefined))) throw e;
        });
    }
    const c = await this.bus.js.consumers.get(Streams.intent, INTAKE_CONSUMER);
    this.iter = await c.consume({ max_messages: 100 });
    void this.loop(this.iter);
  }

  private async loop(iter: ConsumerMessages) {
    try {
      for await (const m of iter) {
        if (this.stopped) break;
        try {
          await this.judge(m);
          m.ack();
        } catch (e) {
          this.log.error({ err: e, seq: m.seq, subject: m.subject }, 'intake failed; will be redelivered');
          m.nak(1000);
        }
      }
    } catch (e) {
      if (!this.stopped) this.log.error({ err: e }, 'intake loop ended');
    }
  }

  private async judge(m: JsMsg) {
    if (m.subject === subjects.intentRejected) return;
    await this.projection.waitFolded('intent', m.seq, 10_000).catch(() => undefined);
    // Folded before this process kept verdicts (or long ago): the same check against today's state.
    const verdict = this.projection.projector.verdicts.get(m.seq) ?? checkIntent(this.projection.state, decode({
      stream: 'intent', seq: m.seq, subject: m.subject, data: m.data, storedMs: Math.floor(m.info.timestampNanos / 1e6),
    }));
    if (verdict.ok) return;
    const ev = makeEvent(EventTypes.intentRejected, this.opts.name, subjects.intentRejected, {
      subject: m.subject, reason: verdict.reason,
      ...(verdict.eventId ? { eventId: verdict.eventId } : {}),
      ...(verdict.errors?.length ? { errors: verdict.errors } : {}),
    }, { id: `rejected-${m.seq}` });
    await this.bus.js.publish(subjects.intentRejected, encodeEvent(ev), { msgID: ev.id });
    this.log.warn({ subject: m.subject, seq: m.seq, reason: verdict.reason }, 'intent rejected');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.iter?.close().catch(() => undefined);
  }
}
