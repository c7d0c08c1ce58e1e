import { Inject, Injectable } from '@nestjs/common';
import {
  ApiMethods, ApiSchemas, encodeEvent, EventTypes, makeEvent, parseEvent, schemaErrors, Streams, subjects,
  type ApiMethod, type ApiRequest, type ApiResponse, type EventDataMap, type EventType, type FleetEvent,
} from '@fleetnet/contracts';
import type { Bus } from '../bus.ts';
import { BUS, CONFIG, type ControllerOptions } from '../config.ts';
import { HeartbeatService } from '../heartbeats.ts';
import { decode } from '../projection/decode.ts';
import { checkIntent } from '../projection/intent.ts';
import { ProjectionService } from '../projection/service.ts';
import { desiredVersionOf } from '../projection/state.ts';
import { poolView } from '../projection/views.ts';
import { ApiFailure } from './errors.ts';
import * as q from './queries.ts';

/** Validates a request against its schema and answers it; commands go through intent events. */
@Injectable()
export class ApiService {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly opts: ControllerOptions,
    @Inject(ProjectionService) private readonly projection: ProjectionService,
    @Inject(HeartbeatService) private readonly heartbeats: HeartbeatService,
  ) {}

  validate<M extends ApiMethod>(method: M, body: unknown): ApiRequest<M> {
    if (!(ApiMethods as readonly string[]).includes(method)) throw new ApiFailure('NOT_FOUND', `unknown API method "${method}"`);
    const errors = schemaErrors(ApiSchemas[method].request, body ?? {});
    if (errors.length) {
      throw new ApiFailure('BAD_REQUEST', `invalid ${method} request: ${errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`,
        errors.map((e) => ({ path: e.path, message: e.message })));
    }
    return (body ?? {}) as ApiRequest<M>;
  }

  private get state() {
    return this.projection.state;
  }

  private live = (v: Parameters<HeartbeatService['overlay']>[0]) => this.heartbeats.overlay(v);

  /** a list page must fit in one message of this server */
  private get replyBytes() {
    return this.bus.nc.info?.max_payload ?? q.DEFAULT_REPLY_BYTES;
  }

  hostsList = (r: ApiRequest<'hosts.list'>) => q.listHosts(this.state, r, this.live, this.replyBytes);
  hostsGet = (r: ApiRequest<'hosts.get'>) => q.getHost(this.state, r.name, this.live);
  hostsHistory = (r: ApiRequest<'hosts.history'>) => q.hostHistory(this.state, r.name);
  policiesList = (r: ApiRequest<'policies.list'>) => q.listPolicies(this.state, r, this.replyBytes);
  policiesGet = (r: ApiRequest<'policies.get'>) => q.getPolicy(this.state, r.name);
  rolloutsList = (r: ApiRequest<'rollouts.list'>) => q.listRollouts(this.state, r, this.replyBytes);
  rolloutsGet = (r: ApiRequest<'rollouts.get'>) => q.getRollout(this.state, r.policy);
  plan = (r: ApiRequest<'plan'>) => q.planPolicy(this.state, r.policy);

  async hostsDesired(r: ApiRequest<'hosts.desired'>): Promise<ApiResponse<'hosts.desired'>> {
    const h = q.hostOrFail(this.state, r.name);
    const version = r.version ?? desiredVersionOf(h);
    const fact = h.desired.find((d) => d.version === version);
    if (!fact) throw new ApiFailure('NOT_FOUND', version === 0 ? `host "${r.name}" has no desired state yet` : `host "${r.name}" has no desired version ${version}`);
    const m = await this.bus.jsm.streams.getMessage(Streams.desired, { seq: fact.seq }).catch(() => null);
    const p = m && parseEvent(m.data, [EventTypes.desiredPublished]);
    if (!p || !p.ok) throw new ApiFailure('NOT_FOUND', `desired version ${version} of "${r.name}" is no longer in ${Streams.desired}`);
    return { host: r.name, version, state: (p.event as FleetEvent<typeof EventTypes.desiredPublished>).data.state };
  }

  /** Publishes an intent the fold's own check accepts now; what it would refuse is NOT_FOUND, for the same reason. */
  private async intent<K extends EventType>(type: K, subject: string, data: EventDataMap[K]): Promise<number> {
    const ev = makeEvent(type, this.opts.name, subject, data);
    const bytes = encodeEvent(ev);
    const verdict = checkIntent(this.state, decode({ stream: 'intent', seq: 0, subject, data: bytes }));
    if (!verdict.ok) throw new ApiFailure('NOT_FOUND', verdict.reason);
    const ack = await this.bus.js.publish(subject, bytes, { msgID: ev.id });
    await this.projection.waitFolded('intent', ack.seq, 10_000);
    return ack.seq;
  }

  async hostsRollback(r: ApiRequest<'hosts.rollback'>): Promise<ApiResponse<'hosts.rollback'>> {
    const h = q.hostOrFail(this.state, r.name);
    const newest = desiredVersionOf(h);
    const target = h.desired.find((d) => d.version === r.toVersion);
    if (target && h.desired[h.desired.length - 1]!.contentHash === target.contentHash) {
      throw new ApiFailure('CONFLICT', `host "${r.name}" version ${newest} already has the content of version ${r.toVersion}`);
    }
    // a version the host never had is refused by the intent check, as the intake would refuse it
    await this.intent(EventTypes.hostRollbackRequested, subjects.intentHost(r.name), { host: r.name, toVersion: r.toVersion });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const now = this.state.hosts[r.name]!;
      const done = now.desired.find((d) => d.version > newest && d.rollbackOf === r.toVersion);
      if (done) return { host: r.name, version: done.version };
      if (Date.now() > deadline) throw new ApiFailure('UNAVAILABLE', `rollback of "${r.name}" to version ${r.toVersion} was requested but not published within 15 s`);
      await new Promise((res) => setTimeout(res, 25));
    }
  }

  private async pauseResume(policy: string, pause: boolean): Promise<ApiResponse<'rollouts.pause'>> {
    q.getRollout(this.state, policy);
    if (pause) await this.intent(EventTypes.rolloutPaused, subjects.intentPolicy(policy), { policy });
    else await this.intent(EventTypes.rolloutResumed, subjects.intentPolicy(policy), { policy });
    return q.getRollout(this.state, policy);
  }

  poolsList = (): ApiResponse<'pools.list'> => ({
    items: Object.values(this.state.pools).filter((p) => !p.deleted).sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((p) => ({ ...poolView(this.state, p), allocations: [] })),
  });

  poolsGet = (r: ApiRequest<'pools.get'>): ApiResponse<'pools.get'> => {
    const p = this.state.pools[r.name];
    if (!p || p.deleted) throw new ApiFailure('NOT_FOUND', `pool "${r.name}" not found`);
    return { pool: poolView(this.state, p) };
  };

  /** Drops the frozen captures of a policy (one host or all): the next compile evaluates them again. */
  async rolloutsRecapture(r: ApiRequest<'rollouts.recapture'>): Promise<ApiResponse<'rollouts.recapture'>> {
    const p = this.state.policies[r.policy];
    if (!p || p.deleted) throw new ApiFailure('NOT_FOUND', `policy "${r.policy}" not found`);
    if (r.host !== undefined) q.hostOrFail(this.state, r.host);
    await this.intent(EventTypes.rolloutRecaptureRequested, subjects.intentPolicy(r.policy), { policy: r.policy, ...(r.host ? { host: r.host } : {}) });
    return { policy: r.policy, ...(r.host ? { host: r.host } : {}), revision: p.revision };
  }

  rolloutsPause = (r: ApiRequest<'rollouts.pause'>) => this.pauseResume(r.policy, true);
  rolloutsResume = (r: ApiRequest<'rollouts.resume'>) => this.pauseResume(r.policy, false);
}
