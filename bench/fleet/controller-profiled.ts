/**
 * The controller for `--profile`: the same startController() the bin runs, but SIGTERM ends the
 * process with a normal exit, so `node --cpu-prof` writes its .cpuprofile.
 */
import pino from 'pino';
import { startController } from '@fleetnet/controller';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};
const name = arg('--name', `controller-${process.pid}`);
const logLevel = arg('--log-level', 'warn');
const log = pino({ level: logLevel, base: { service: 'fleetnet-controller', controller: name } });
const c = await startController({ servers: arg('--server', 'nats://127.0.0.1:4222').split(','), name, logLevel, logger: log });
const stop = () => {
  void c.stop().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
