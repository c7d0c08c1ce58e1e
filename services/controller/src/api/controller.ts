import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ApiMethod, ApiRequest } from '@fleetnet/contracts';
import { toApiError } from './errors.ts';
import { ApiService } from './service.ts';

/** `fleetnet.api.<method>`: one handler per method of contracts' ApiSchemas. */
@Controller()
export class ApiController {
  constructor(@Inject(ApiService) private readonly api: ApiService) {}

  private async answer<M extends ApiMethod>(method: M, body: unknown, fn: (r: ApiRequest<M>) => unknown): Promise<unknown> {
    try {
      return await fn(this.api.validate(method, body));
    } catch (e) {
      return toApiError(e);
    }
  }

  @MessagePattern('hosts.list') hostsList(@Payload() b: unknown) { return this.answer('hosts.list', b, this.api.hostsList); }
  @MessagePattern('hosts.get') hostsGet(@Payload() b: unknown) { return this.answer('hosts.get', b, this.api.hostsGet); }
  @MessagePattern('hosts.history') hostsHistory(@Payload() b: unknown) { return this.answer('hosts.history', b, this.api.hostsHistory); }
  @MessagePattern('hosts.desired') hostsDesired(@Payload() b: unknown) { return this.answer('hosts.desired', b, (r) => this.api.hostsDesired(r)); }
  @MessagePattern('hosts.rollback') hostsRollback(@Payload() b: unknown) { return this.answer('hosts.rollback', b, (r) => this.api.hostsRollback(r)); }
  @MessagePattern('policies.list') policiesList(@Payload() b: unknown) { return this.answer('policies.list', b, this.api.policiesList); }
  @MessagePattern('policies.get') policiesGet(@Payload() b: unknown) { return this.answer('policies.get', b, this.api.policiesGet); }
  @MessagePattern('rollouts.list') rolloutsList(@Payload() b: unknown) { return this.answer('rollouts.list', b, this.api.rolloutsList); }
  @MessagePattern('rollouts.get') rolloutsGet(@Payload() b: unknown) { return this.answer('rollouts.get', b, this.api.rolloutsGet); }
  @MessagePattern('rollouts.pause') rolloutsPause(@Payload() b: unknown) { return this.answer('rollouts.pause', b, this.api.rolloutsPause); }
  @MessagePattern('rollouts.resume') rolloutsResume(@Payload() b: unknown) { return this.answer('rollouts.resume', b, this.api.rolloutsResume); }
  @MessagePattern('rollouts.recapture') rolloutsRecapture(@Payload() b: unknown) { return this.answer('rollouts.recapture', b, (r) => this.api.rolloutsRecapture(r)); }
  @MessagePattern('pools.list') poolsList(@Payload() b: unknown) { return this.answer('pools.list', b, this.api.poolsList); }
  @MessagePattern('pools.get') poolsGet(@Payload() b: unknown) { return this.answer('pools.get', b, this.api.poolsGet); }
  @MessagePattern('plan') plan(@Payload() b: unknown) { return this.answer('plan', b, this.api.plan); }
}
