import { connect, credsAuthenticator, errors, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import {
  encodeEvent, readCredentials, subjects, Streams, InvalidNameError,
  type ApiMethod, type NatsCredentials, type ApiRequest, type ApiResponse, type FleetEvent,
} from '@fleetnet/contracts';
import { CliError, ExitCode } from './exit-codes.ts';
import { parseDuration } from './output/time.ts';

export const DEFAULT_SERVER = 'nats://127.0.0.1:4222';
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The global flags every command inherits. */
export interface GlobalOptions {
  server?: string;
  creds?: string;
  timeout?: string;
}

export const serverOf = (opts: GlobalOptions) => opts.server ?? process.env.FLEETNET_SERVER ?? DEFAULT_SERVER;

export function timeoutOf(opts: GlobalOptions, fallbackMs = DEFAULT_TIMEOUT_MS): number {
  if (opts.timeout === undefined) return fallbackMs;
  const ms = parseDuration(opts.timeout);
  if (ms === undefined || ms <= 0) {
    throw new CliError(`invalid --timeout "${opts.timeout}": use e.g. 30s, 2m, 500ms`, ExitCode.invalid);
  }
  return ms;
}

export interface Client {
  server: string;
  nc: NatsConnection;
  js: JetStreamClient;
  timeoutMs: number;
  request<M extends ApiMethod>(method: M, body: ApiRequest<M>): Promise<ApiResponse<M>>;
  /** JetStream publish with the event id as Nats-Msg-Id, so a retried publish is stored once. */
  publishEvent(subject: string, event: FleetEvent): Promise<void>;
  close(): Promise<void>;
}

/** The controller's `{error:{code,message,details}}` as an exit code and readable lines. */
export function apiErrorToCli(method: string, err: { code: string; message: string; details?: { path: string; message: string }[] }): CliError {
  const lines = (err.details ?? []).map((d) => `  ${d.path ? `${d.path}: ` : ''}${d.message}`);
  switch (err.code) {
    case 'NOT_FOUND':
      return new CliError(err.message, ExitCode.notFound, lines);
    case 'BAD_REQUEST':
      return new CliError(err.message, ExitCode.invalid, lines);
    case 'UNAVAILABLE':
      return new CliError(`controller unavailable: ${err.message}`, ExitCode.noController, lines);
    default:
      return new CliError(`${method}: ${err.message}`, ExitCode.failed, lines);
  }
}

function connectError(server: string, e: unknown): CliError {
  if (e instanceof errors.AuthorizationError || /authoriz|authenticat/i.test(String((e as Error)?.message))) {
    return new CliError(`not authorized on ${server}: check --creds (${(e as Error).message})`, ExitCode.unreachable);
  }
  const detail = (e as Error)?.message ?? String(e);
  return new CliError(`cannot reach NATS at ${server} (${detail})`, ExitCode.unreachable);
}

export function requestError(server: string, method: string, timeoutMs: number, e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof errors.NoRespondersError || (e instanceof errors.RequestError && e.isNoResponders())) {
    return new CliError(`no controller is answering on ${server}`, ExitCode.noController);
  }
  if (e instanceof errors.TimeoutError || (e as Error)?.name === 'TimeoutError') {
    return new CliError(`the controller did not answer ${method} within ${timeoutMs / 1000}s (--timeout)`, ExitCode.timeout);
  }
  if (e instanceof errors.ClosedConnectionError || e instanceof errors.ConnectionError) {
    return new CliError(`cannot reach NATS at ${server} (${(e as Error).message})`, ExitCode.unreachable);
  }
  return new CliError(`${method} failed: ${(e as Error)?.message ?? String(e)}`, ExitCode.failed);
}

function publishError(server: string, subject: string, e: unknown): CliError {
  const err = e as Error & { code?: string };
  if (err?.name === 'JetStreamNotEnabled' || e instanceof errors.NoRespondersError || /no responders/i.test(err?.message ?? '')) {
    return new CliError(
      `no stream ${Streams.intent} on ${server} stores ${subject}: no controller has set up this server`,
      ExitCode.noController,
    );
  }
  if (e instanceof errors.TimeoutError) return new CliError(`publishing ${subject} timed out`, ExitCode.timeout);
  return new CliError(`publishing ${subject} failed: ${err?.message ?? String(e)}`, ExitCode.failed);
}

export async function connectClient(opts: GlobalOptions, extra: { reconnect?: boolean } = {}): Promise<Client> {
  const server = serverOf(opts);
  const timeoutMs = timeoutOf(opts);
  let creds: NatsCredentials | undefined;
  if (opts.creds) {
    try {
      creds = readCredentials(opts.creds);
    } catch (e) {
      throw new CliError(`--creds ${(e as Error).message}`, ExitCode.invalid);
    }
  }
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: server.split(','),
      name: 'fleetnet-cli',
      timeout: Math.min(timeoutMs, 10_000),
      reconnect: extra.reconnect ?? false,
      maxReconnectAttempts: extra.reconnect ? -1 : 0,
      ...(creds?.kind === 'password' ? { user: creds.user, pass: creds.password } : {}),
      ...(creds?.kind === 'jwt' ? { authenticator: credsAuthenticator(creds.creds) } : {}),
    });
  } catch (e) {
    throw connectError(server, e);
  }
  const js = jetstream(nc, { timeout: timeoutMs });
  return {
    server,
    nc,
    js,
    timeoutMs,
    async request(method, body) {
      let reply;
      try {
        reply = await nc.request(subjects.api(method), JSON.stringify(body), { timeout: timeoutMs });
      } catch (e) {
        throw requestError(server, method, timeoutMs, e);
      }
      let parsed: unknown;
      try {
        parsed = reply.json();
      } catch {
        throw new CliError(`${method}: the controller sent a reply that is not JSON`, ExitCode.failed);
      }
      const maybeErr = (parsed as { error?: { code: string; message: string } })?.error;
      if (maybeErr && typeof maybeErr === 'object') throw apiErrorToCli(method, maybeErr);
      return parsed as ApiResponse<typeof method>;
    },
    async publishEvent(subject, event) {
      try {
        await js.publish(subject, encodeEvent(event), { msgID: event.id, timeout: timeoutMs });
      } catch (e) {
        throw publishError(server, subject, e);
      }
    },
    async close() {
      await nc.close().catch(() => undefined);
    },
  };
}

/** Builds a subject, turning an invalid host/policy name into exit code 2 instead of a stack trace. */
export function subjectFor(kind: 'intentPolicy' | 'intentHost' | 'intentPool', name: string): string {
  try {
    return subjects[kind](name);
  } catch (e) {
    if (e instanceof InvalidNameError) throw new CliError(e.message, ExitCode.invalid);
    throw e;
  }
}

/** Runs `fn` with a connected client and always closes it. */
export async function withClient<T>(opts: GlobalOptions, fn: (c: Client) => Promise<T>, extra: { reconnect?: boolean } = {}): Promise<T> {
  const c = await connectClient(opts, extra);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}
