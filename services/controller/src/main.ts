import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { versionLine } from '@fleetnet/contracts';
import { startController } from './index.ts';

const int = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
  return n;
};

const program = new Command('fleetnet-controller')
  .description('fleetnet controller: intent → versioned desired state per host, rollouts, projection and query API')
  .version(versionLine(), '-V, --version', 'print the version and git commit')
  .option('--server <urls>', 'NATS server URL(s), comma separated', process.env.FLEETNET_SERVER ?? 'nats://127.0.0.1:4222')
  .option('--creds <file>', 'the controller\'s NATS user: JSON {"user","password"} from deploy/gen-auth.ts, or a NATS .creds file')
  .option('--replicas <n>', 'stream and KV replicas (1, or 3 on a cluster)', int(1, 5), 1)
  .option('--unreachable-after <seconds>', 'a host without heartbeat for this long is Unreachable', int(1, 86_400), 30)
  .option('--pool-grace <seconds>', 'a pool address stays with a host no policy using the pool selects any more for this long', int(0, 30 * 86_400), 900)
  .option('--name <name>', 'controller name used as event source', `controller-${process.pid}`)
  .option('--log-level <level>', 'pino log level', process.env.LOG_LEVEL ?? 'info')
  .parse();

const o = program.opts<{ server: string; creds?: string; replicas: number; unreachableAfter: number; poolGrace: number; name: string; logLevel: string }>();
const log = pino({ level: o.logLevel, base: { service: 'fleetnet-controller', controller: o.name } });

process.on('unhandledRejection', (e) => log.error({ err: e }, 'unhandled rejection'));

// No top-level await: the built binary is one CommonJS script (scripts/build.ts).
startController({
  servers: o.server.split(',').map((s) => s.trim()).filter(Boolean),
  ...(o.creds ? { creds: o.creds } : {}),
  replicas: o.replicas,
  unreachableAfterSeconds: o.unreachableAfter,
  poolGraceSeconds: o.poolGrace,
  logLevel: o.logLevel,
  name: o.name,
  logger: log,
  shutdownHooks: true,
}).catch((e: unknown) => {
  log.fatal({ err: e }, `controller failed to start: ${(e as Error).message}`);
  process.exit(1);
});
