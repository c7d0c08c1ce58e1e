import type { NatsConnection } from '@nats-io/transport-node';
import type { Probe } from '../probes/probe.ts';

/**
 * The bus itself as a connectivity check: a change must leave the agent able to complete a round
 * trip to NATS within the policy's timeout, or it is rolled back. Not connected right now fails at
 * once: before the change that makes it optional (the core requires only what passed before), and
 * after the change the core keeps re-running it until its deadline, which gives the client time to
 * reconnect.
 */
export function busProbe(connection: () => NatsConnection | undefined): Probe {
  return {
    name: 'nats round trip',
    async check(timeoutMs: number) {
      const nc = connection();
      if (!nc || nc.isClosed()) return { ok: false, message: 'not connected to NATS' };
      let timer: NodeJS.Timeout | undefined;
      try {
        const ms = await Promise.race([
          nc.rtt(),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no round trip within ${timeoutMs} ms`)), timeoutMs))),
        ]);
        return { ok: true, message: `rtt ${ms} ms` };
      } catch (e) {
        return { ok: false, message: (e as Error).message };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
