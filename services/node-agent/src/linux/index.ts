import type { Backend } from '../backend.ts';
import type { Runner } from '../exec.ts';
import { executeLinux } from './apply.ts';
import { planLinux } from './plan/index.ts';
import { readLinux } from './read.ts';

/** `foreignLldp`: another LLDP agent than fleetnet's runs here (its ports are reported as LLDP on) */
export function createLinuxBackend(opts: { run: Runner; foreignLldp?: () => boolean }): Backend {
  return {
    name: 'linux',
    read: () => readLinux(opts.run, opts.foreignLldp),
    plan: planLinux,
    execute: (ops) => executeLinux(opts.run, ops),
  };
}
