import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Bus } from './bus.ts';
import { BUS, CONFIG, LOG, type ControllerOptions } from './config.ts';
import { HeartbeatService } from './heartbeats.ts';
import { IntakeService } from './intake/service.ts';
import { ProjectionService } from './projection/service.ts';
import { KvStore } from './projection/store.ts';
import { ReconcilerService } from './reconciler.ts';
import { ensureBuckets, ensureStreams } from './streams.ts';

/**
 * Start order matters: streams exist → the projection has folded everything already stored →
 * KV reflects it → only then the controller acts (reconcile, timeouts, intake) and answers.
 */
@Injectable()
export class Lifecycle implements OnModuleInit, BeforeApplicationShutdown {
  private store?: KvStore;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly opts: ControllerOptions,
    @Inject(LOG) private readonly log: Logger,
    @Inject(ProjectionService) private readonly projection: ProjectionService,
    @Inject(ReconcilerService) private readonly reconciler: ReconcilerService,
    @Inject(IntakeService) private readonly intake: IntakeService,
    @Inject(HeartbeatService) private readonly heartbeats: HeartbeatService,
  ) {}

  async onModuleInit(): Promise<void> {
    const streams = await ensureStreams(this.bus, this.opts.replicas);
    if (streams.created.length || streams.updated.length) this.log.info(streams, 'streams ensured');
    const buckets = await ensureBuckets(this.bus, this.opts.replicas);
    const t0 = Date.now();
    await this.projection.start();
    const s = this.projection.state;
    this.log.info({ ms: Date.now() - t0, seq: s.seq, hosts: Object.keys(s.hosts).length, policies: Object.keys(s.policies).length }, 'projection caught up');
    this.store = new KvStore(buckets, () => this.projection.state, (v) => this.heartbeats.overlay(v), this.log);
    this.projection.onFlush((r) => this.store!.mark(r.hosts, r.policies, r.pools));
    this.store.mark(Object.keys(s.views.hosts), Object.keys(s.views.policies), Object.keys(s.pools));
    await this.store.write();
    this.heartbeats.start(() => this.projection.state.views.hosts, (hosts) => this.store!.mark(hosts));
    this.reconciler.start();
    await this.intake.start();
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.log.info({ signal }, 'controller stopping');
    this.reconciler.stop();
    await this.intake.stop();
    await this.projection.stop();
    await this.store?.write();
  }
}
