import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { boundedStringify, checkJsonText, DEFAULT_BOUNDS, formatViolation } from '@fleetnet/contracts';
import { ApiFailure, toApiError } from './errors.ts';

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
        // Schema validation recurses: a body nested thousands deep is refused before it gets there.
        const bad = checkJsonText(text);
        if (bad) throw new ApiFailure('BAD_REQUEST', `request body of ${method} refused: ${bad.message}`);
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
    try {
      msg.respond(this.encodeReply(method, reply));
    } catch (e) {
      this.log.warn({ err: e, method }, 'could not send API reply');
    }
  }

  /**
   * The reply as JSON that fits one message. Serializing never throws here: a reply too deep to
   * serialize (one host's report nested 5,000 levels) becomes an INTERNAL error for this request
   * only, and the API keeps answering everybody else.
   */
  private encodeReply(method: string, reply: unknown): string {
    const max = this.nc().info?.max_payload ?? 1024 * 1024;
    const out = boundedStringify(reply ?? null, { ...DEFAULT_BOUNDS, maxBytes: max });
    if (out.ok) return out.text;
    const v = out.violation;
    if (v.limit === 'maxBytes') {
      return JSON.stringify(toApiError(new ApiFailure('UNAVAILABLE',
        `the ${method} response ${v.message.replace('the limit', "the server's max_payload")}; ask for less (limit, a selector) or raise max_payload`)));
    }
    this.log.error({ method, limit: v.limit, path: v.path, reason: v.message }, 'API reply cannot be serialized');
    return JSON.stringify(toApiError(new ApiFailure('INTERNAL', `the ${method} reply cannot be sent: ${formatViolation(v)}`)));
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
