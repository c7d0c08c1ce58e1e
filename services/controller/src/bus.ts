import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { readCredentials } from '@fleetnet/contracts';
import type { ControllerOptions } from './config.ts';

/** One NATS connection shared by JetStream, KV, heartbeats and the API. */
export interface Bus {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

export async function connectBus(opts: ControllerOptions): Promise<Bus> {
  const creds = opts.creds ? readCredentials(opts.creds) : undefined;
  const nc = await connect({
    servers: opts.servers,
    name: opts.name,
    maxReconnectAttempts: -1,
    // No Error (with a stack) captured per request: every desired publish and KV write is a
    // request, thousands per second in a large rollout. Failures still carry their message.
    noAsyncTraces: true,
    ...(creds?.kind === 'password' ? { user: creds.user, pass: creds.password } : {}),
    ...(creds?.kind === 'jwt' ? { authenticator: credsAuthenticator(creds.creds) } : {}),
  });
  const jsm = await jetstreamManager(nc);
  return { nc, js: jetstream(nc), jsm };
}
