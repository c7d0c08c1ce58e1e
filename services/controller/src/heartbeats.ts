import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { EventTypes, parseEvent, parseSubject, subjects, type HostView } from '@fleetnet/contracts';
import type { Bus } from './bus.ts';
import { BUS, CONFIG, LOG, type ControllerOptions } from './config.ts';
import { isReachable, staleBeats, withLiveness } from './liveness.ts';

/** Last heartbeat per host, from a core subscription; flips of reachability are announced. */
@Injectable()
export class HeartbeatService implements OnApplicationShutdown {
  private readonly beats = new Map<string, string>();
  private readonly reachable = new Map<string, boolean>();
  private sub?: Subscription;
  private timer?: NodeJS.Timeout;
  private pending?: NodeJS.Immediate;
  private onFlip: (hosts: string[]) => void = () => undefined;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly opts: ControllerOptions,
    @Inject(LOG) private readonly log: Logger,
  ) {}

  start(views: () => Record<string, HostView>, onFlip: (hosts: string[]) => void): void {
    this.onFlip = onFlip;
    this.sub = this.bus.nc.subscribe(subjects.heartbeatAll, {
      callback: (err, msg) => {
        if (err) return;
        const sub = parseSubject(msg.subject);
        const p = parseEvent(msg.data, [EventTypes.heartbeat]);
        // A heartbeat counts only for the host whose subject it came on (NATS permissions bind that).
        if (sub?.kind !== 'heartbeat' || !p.ok || (p.event.data as { host: string }).host !== sub.name) return;
        const first = !this.beats.has(sub.name!);
        this.beats.set(sub.name!, new Date().toISOString());
        if (first || this.reachable.get(sub.name!) === false) this.checkSoon(views);
      },
    });
    const tick = Math.min(1000, (this.opts.unreachableAfterSeconds * 1000) / 4);
    this.timer = setInterval(() => this.check(views()), tick);
    this.timer.unref();
  }

  /**
   * A first heartbeat (or one from a host that was unreachable) asks for a check on the next turn
   * of the event loop: a fleet of 10,000 hosts coming up at once costs a few checks of every view,
   * not one full check per host (which was quadratic).
   */
  private checkSoon(views: () => Record<string, HostView>) {
    if (this.pending) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.check(views());
    });
  }

  private check(views: Record<string, HostView>) {
    const flipped: string[] = [];
    const now = Date.now();
    for (const [name, v] of Object.entries(views)) {
      const r = isReachable(v, this.beats.get(name), now, this.opts.unreachableAfterSeconds);
      if (this.reachable.get(name) !== r) {
        if (this.reachable.has(name)) this.log.info({ host: name, reachable: r }, r ? 'host reachable' : 'host unreachable');
        this.reachable.set(name, r);
        flipped.push(name);
      }
    }
    if (flipped.length) this.onFlip(flipped);
    for (const name of staleBeats(this.beats, (n) => n in views, now, this.opts.unreachableAfterSeconds)) {
      this.beats.delete(name);
      this.reachable.delete(name);
    }
  }

  overlay(view: HostView, now = Date.now()): HostView {
    return withLiveness(view, this.beats.get(view.name), now, this.opts.unreachableAfterSeconds);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    if (this.pending) clearImmediate(this.pending);
    this.sub?.unsubscribe();
  }
}
