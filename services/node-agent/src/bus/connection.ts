import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsCredentials } from '@fleetnet/contracts';
import { inboxPrefix } from '@fleetnet/contracts';
import type { Logger } from '../log.ts';
import { backoffDelay, RECONNECT_BACKOFF } from './backoff.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ConnectionOptions {
  host: string;
  servers: string[];
  creds?: NatsCredentials;
  log: Logger;
  /** the daemon is stopping: connect no more */
  stopping(): boolean;
  /** the first connection is up (subscribe, publish what waits, read the desired state) */
  onConnect(nc: NatsConnection): Promise<void>;
  /** back after a disconnect */
  onReconnect(): void;
}

export interface Connection {
  /** the connection while it is up */
  readonly nc: NatsConnection | undefined;
  readonly js: JetStreamClient | undefined;
  readonly connected: boolean;
  /** starts connecting; resolves once connected and `onConnect` ran, or when stopping first */
  start(): Promise<void>;
  /** drains and closes (call after `stopping()` turned true) */
  close(): Promise<void>;
}

/**
 * The agent's NATS connection, as this host's own user with its own inbox prefix (the permissions
 * model in contracts). Tries until it connects, working locally meanwhile; then the client reconnects by itself.
 */
export function openConnection(opts: ConnectionOptions): Connection {
  const { log } = opts;
  let nc: NatsConnection | undefined;
  let js: JetStreamClient | undefined;
  let connected = false;

  async function watchStatus(c: NatsConnection) {
    for await (const s of c.status()) {
      if (s.type === 'disconnect') {
        connected = false;
        log.warn({ server: s.server }, 'NATS connection lost; queueing reports');
      } else if (s.type === 'reconnect') {
        connected = true;
        log.info({ server: s.server }, 'NATS connection back');
        opts.onReconnect();
      }
    }
  }

  async function connectForever(): Promise<void> {
    for (let attempt = 0; !opts.stopping(); attempt++) {
      try {
        const c = await connect({
          servers: opts.servers,
          ...(opts.creds?.kind === 'password' ? { user: opts.creds.user, pass: opts.creds.password } : {}),
          ...(opts.creds?.kind === 'jwt' ? { authenticator: credsAuthenticator(opts.creds.creds) } : {}),
          inboxPrefix: inboxPrefix(opts.host),
          name: `fleetnet-agent-${opts.host}`,
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          pingInterval: 5000,
          maxPingOut: 2,
          timeout: 3000,
        });
        if (opts.stopping()) {
          await c.close();
          return;
        }
        nc = c;
        js = jetstream(c);
        connected = true;
        log.info({ server: c.getServer() }, 'connected to NATS');
        void watchStatus(c);
        await opts.onConnect(c);
        return;
      } catch (e) {
        const wait = backoffDelay(attempt, RECONNECT_BACKOFF);
        log.warn({ err: (e as Error).message, servers: opts.servers, retryInMs: wait }, 'cannot connect to NATS; working locally');
        await sleep(wait);
      }
    }
  }

  return {
    get nc() {
      return connected ? nc : undefined;
    },
    get js() {
      return connected ? js : undefined;
    },
    get connected() {
      return connected;
    },
    start: connectForever,
    async close() {
      if (nc) await Promise.race([nc.drain().catch(() => nc?.close()), sleep(5000)]);
      if (nc && !nc.isClosed()) await nc.close();
    },
  };
}
