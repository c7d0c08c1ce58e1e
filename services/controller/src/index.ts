import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import { AppModule } from './app.module.ts';
import { FleetnetApiServer, API_PREFIX } from './api/transport.ts';
import { connectBus, type Bus } from './bus.ts';
import { defaultOptions, type ControllerOptions } from './config.ts';
import { ProjectionService } from './projection/service.ts';
import { ReconcilerService } from './reconciler.ts';
import { lastSeqs } from './projection/replay.ts';
import { StreamSubjects } from '@fleetnet/contracts';

export type { ControllerOptions } from './config.ts';
export type { Bus } from './bus.ts';
export { ensureStreams } from './streams.ts';
// The pure fold and the stream readers, for benchmarks and tests that measure or compare them
// without reaching into the controller's folders.
export { rebuildFromStreams } from './projection/rebuild.ts';
export { lastSeqs } from './projection/replay.ts';
export { Projector } from './projection/projector.ts';
export type { FoldInput } from './projection/decode.ts';
export type { StreamKey } from './projection/state.ts';

export interface RunningController {
  app: INestMicroservice;
  bus: Bus;
  log: Logger;
  projection: ProjectionService;
  reconciler: ReconcilerService;
  /** resolves when everything in the streams is folded and no reconcile pass is pending (for tests) */
  settled(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a controller in this process; resolves once it is ready (the same moment the bin logs "controller ready"). */
export async function startController(partial: Partial<ControllerOptions> & { logger?: Logger; shutdownHooks?: boolean } = {}): Promise<RunningController> {
  const { logger, shutdownHooks, ...rest } = partial;
  const opts: ControllerOptions = { ...defaultOptions(), ...rest };
  const log = logger ?? pino({ level: opts.logLevel, base: { service: 'fleetnet-controller', controller: opts.name } });
  const bus = await connectBus(opts);
  const app = await NestFactory.createMicroservice(AppModule.forRoot(opts, bus, log), {
    strategy: new FleetnetApiServer(() => bus.nc, log),
    logger: false,
  });
  if (shutdownHooks) app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen();
  const projection = app.get(ProjectionService);
  // Printed whatever the level: other processes wait for this line.
  const ready = log.level === 'silent' ? log : log.child({}, { level: 'info' });
  ready.info({
    servers: opts.servers, replicas: opts.replicas, api: `${API_PREFIX}>`, streams: Object.keys(StreamSubjects),
    seq: projection.state.seq, hosts: Object.keys(projection.state.hosts).length, pid: process.pid,
  }, 'controller ready');
  let stopped = false;
  return {
    app, bus, log, projection,
    reconciler: app.get(ReconcilerService),
    settled: async (timeoutMs = 30_000) => {
      const reconciler = app.get(ReconcilerService);
      const deadline = Date.now() + timeoutMs;
      let stableRounds = 0;
      let prev = '';
      while (stableRounds < 3) {
        if (Date.now() > deadline) throw new Error('controller did not settle');
        const seqs = await lastSeqs(bus);
        for (const k of Object.keys(seqs) as (keyof typeof seqs)[]) await projection.waitFolded(k, seqs[k], timeoutMs);
        await reconciler.settled();
        const now = JSON.stringify(seqs);
        stableRounds = now === prev ? stableRounds + 1 : 0;
        prev = now;
        await new Promise((r) => setTimeout(r, 30));
      }
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await app.close();
      await bus.nc.drain().catch(() => undefined);
    },
  };
}
