import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Backend } from '../backend.ts';
import { applyDns } from './apply.ts';
import { planDns } from './plan.ts';
import { readDns } from './read.ts';

export { planDns } from './plan.ts';
export { parseResolvConf, renderResolvConf } from './resolv-conf.ts';
export { writeAtomic } from './apply.ts';

const currentText = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

/** DNS servers and search list in the resolv.conf at `path`, replaced atomically; other lines are kept. */
export function createDnsBackend(opts: { path: string; log: Logger }): Backend {
  const log = opts.log.child({ backend: 'dns', path: opts.path });
  return {
    name: 'dns',
    read: () => readDns(opts.path),
    // The file is re-read here so that lines other than nameserver/search are kept as they are now.
    plan: (desired, actual) => planDns(desired, actual, currentText(opts.path), opts.path),
    execute: (operations) => applyDns(operations, log),
  };
}
