import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { toApiError } from './errors.ts';
import { ApiFailure } from './errors.ts';

export const API_PREFIX = 'fleetnet.api.';
export const API_QUEUE = 'fleetnet-controller';

/**
 * The request/reply transport of the API, on the controller's own NATS connection. The wire is
 * plain JSON: the request body is the method's request document, the reply is its response
 * document or `{ error: { code, message, details? } }` — no Nest envelope, so any NATS client
 * (the CLI, `nats req`) can call it. Nest's @MessagePattern('<method>') handlers do the work.
 * Controllers share a queue group: a request is answered once.
 */
export class FleetnetApiServer extends Server implements CustomTransportStrategy {
  private sub?: Subscription;

  constructor(
    private readonly nc: () => NatsConnection,
    private readonly log: Logger,
  ) {
    super();
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    this.sub = this.nc().subscribe(`${API_PREFIX}>`, { queue: API_QUEUE, callback: (err, msg) => { if (!err) void this.handle(msg); } });
    callback();
  }

  private async handle(msg: Msg): Promise<void> {
    const method = msg.subject.slice(API_PREFIX.length);
    const started = Date.now();
    let reply: unknown;
    try {
      const handler = this.getHandlerByPattern(method);
      if (!handler) throw new ApiFailure('NOT_FOUND', `unknown API method "${method}"`);
      let body: unknown = {};
      const text = new TextDecoder().decode(msg.data);
      if (text.trim()) {
        try {
          body = JSON.parse(text);
        } catch {
          throw new ApiFailure('BAD_REQUEST', `request body of ${method} is not JSON`);
        }
      }
      reply = await lastValueFrom(this.transformToObservable(await handler(body)), { defaultValue: undefined });
    } catch (e) {
      reply = toApiError(e);
      if (!(e instanceof ApiFailure)) this.log.error({ err: e, method }, 'API handler failed');
    }
    const isError = Boolean(reply && typeof reply === 'object' && 'error' in reply);
    this.log.debug({ method, ms: Date.now() - started, error: isError ? (reply as { error: unknown }).error : undefined }, 'api');
    if (!msg.reply) return;
    const text = JSON.stringify(reply ?? null);
    const max = this.nc().info?.max_payload ?? 1024 * 1024;
    const size = Buffer.byteLength(text);
    try {
      if (size > max) {
        msg.respond(JSON.stringify(toApiError(new ApiFailure('UNAVAILABLE',
          `the ${method} response is ${size} bytes, more than the server's max_payload of ${max}; ask for less (limit/offset, a selector) or raise max_payload`))));
      } else msg.respond(text);
    } catch (e) {
      this.log.warn({ err: e, method }, 'could not send API reply');
    }
  }

  close(): void {
    this.sub?.unsubscribe();
  }

  on(): void {
    // no transport-level events to expose
  }

  unwrap<T>(): T {
    return this.nc() as T;
  }
}
