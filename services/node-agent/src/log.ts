import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The agent's logger: JSON lines on stderr, so that stdout stays for what the CLI prints.
 * `host` and the desired `version` are bound as context by the caller when known (log.child).
 */
export function createLogger(opts: { level?: string; name?: string; destination?: number | string } = {}): Logger {
  const level = opts.level ?? process.env.FLEETNET_LOG_LEVEL ?? 'info';
  return pino(
    { name: opts.name ?? 'fleetnet-agent', level, base: { pid: process.pid } },
    pino.destination({ dest: opts.destination ?? 2, sync: true }),
  );
}

/** For tests and library callers that want no output. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
