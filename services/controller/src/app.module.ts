import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { ApiController } from './api/controller.ts';
import { ApiService } from './api/service.ts';
import type { Bus } from './bus.ts';
import { BUS, CONFIG, LOG, type ControllerOptions } from './config.ts';
import { HeartbeatService } from './heartbeats.ts';
import { IntakeService } from './intake/service.ts';
import { Lifecycle } from './lifecycle.ts';
import { ProjectionService } from './projection/service.ts';
import { ReconcilerService } from './reconciler.ts';

@Module({})
export class AppModule {
  static forRoot(opts: ControllerOptions, bus: Bus, log: Logger): DynamicModule {
    return {
      module: AppModule,
      controllers: [ApiController],
      providers: [
        { provide: CONFIG, useValue: opts },
        { provide: BUS, useValue: bus },
        { provide: LOG, useValue: log },
        ProjectionService, ReconcilerService, IntakeService, HeartbeatService, ApiService, Lifecycle,
      ],
    };
  }
}
