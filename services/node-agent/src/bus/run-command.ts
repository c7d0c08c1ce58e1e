import { type Command, InvalidArgumentError } from 'commander';
import { assertName, readCredentials, type NatsCredentials } from '@fleetnet/contracts';
import { createAgent } from '../agent.ts';
import { createLogger } from '../log.ts';
import { agentVersion } from './facts.ts';

const label = (v: string, acc: Record<string, string> = {}) => {
  const m = /^([^=]+)=(.*)$/.exec(v);
  if (!m) throw new InvalidArgumentError(`"${v}" is not k=v`);
  return { ...acc, [m[1]!]: m[2]! };
};
const seconds = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
};

function readCreds(file: string): NatsCredentials {
  try {
    return readCredentials(file);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

interface RunOpts {
  host: string;
  server: string;
  creds?: string;
  label: Record<string, string>;
  heartbeat: number;
}

/** `fleetnet-agent run`: the daemon on the bus (see daemon.ts). */
export function registerRunCommand(program: Command, startup: { pauseAfterOp?: number } = {}): void {
  program
    .command('run')
    .description('run as the fleet\'s agent: apply the desired state published on NATS and report back')
    .requiredOption('--host <id>', 'this host\'s name in the fleet', (v) => {
      try {
        return assertName(v, 'host name');
      } catch (e) {
        throw new InvalidArgumentError((e as Error).message);
      }
    })
    .requiredOption('--server <url[,url]>', 'NATS server URL(s)')
    .option('--creds <file>', 'this host\'s NATS user: JSON {"user","password"} from deploy/gen-auth.ts, or a NATS .creds file')
    .option('--label <k=v>', 'a label sent in the hello (repeatable)', label, {})
    .option('--heartbeat <s>', 'seconds between heartbeats', seconds, 10)
    .action(async (o: RunOpts, cmd: Command) => {
      const g = cmd.optsWithGlobals() as { stateDir: string; ovsDb?: string; sysfsRoot: string; resolvConf: string; hostnameFile: string; logLevel: string };
      // the daemon logs at info unless --log-level says otherwise (FLEETNET_LOG_LEVEL sets only the one-shot commands' default)
      const level = cmd.getOptionValueSourceWithGlobals('logLevel') === 'default' ? 'info' : g.logLevel;
      const log = createLogger({ level }).child({ agentVersion: agentVersion() });
      const agent = createAgent({ stateDir: g.stateDir, ovsDb: g.ovsDb, sysfsRoot: g.sysfsRoot, resolvConf: g.resolvConf, hostnameFile: g.hostnameFile, log, pauseAfterOp: startup.pauseAfterOp });
      // Loaded only here: the NATS client is most of the bundle, and the one-shot commands never need it.
      const { startDaemon } = await import('./daemon.ts');
      const daemon = await startDaemon({
        host: o.host,
        servers: o.server.split(',').map((s) => s.trim()).filter(Boolean),
        creds: o.creds ? readCreds(o.creds) : undefined,
        labels: o.label,
        agent,
        log,
        sysfsRoot: g.sysfsRoot,
        heartbeatMs: o.heartbeat * 1000,
      });
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          log.info({ signal }, 'signal received');
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          resolve();
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      await daemon.stop();
      process.exit(0);
    });
}
