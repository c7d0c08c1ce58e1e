import type { Backend } from '../backend.ts';
import type { Runner } from '../exec.ts';
import { executeLinux } from './apply.ts';
import { planLinux } from './plan/index.ts';
import { readLinux } from './read.ts';

export function createLinuxBackend(opts: { run: Runner }): Backend {
  return {
    name: 'linux',
    read: () => readLinux(opts.run),
    plan: planLinux,
    execute: (ops) => executeLinux(opts.run, ops),
  };
}
