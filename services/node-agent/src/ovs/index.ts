import type { Backend } from '../backend.ts';
import type { Runner } from '../exec.ts';
import type { Logger } from '../log.ts';
import { applyOvs } from './apply.ts';
import { planOvs } from './plan/index.ts';
import { readOvs } from './read.ts';
import { createVsctl } from './vsctl.ts';

export { planOvs } from './plan/index.ts';
export { ovsStateFromTables } from './read.ts';

/**
 * Open vSwitch through ovs-vsctl: bridges (datapath, stp), ports, bonds, VLAN tags and internal ports.
 * `db` is the ovsdb socket (default: ovs-vsctl's own default); commands run through `run` (and so
 * in its network namespace). MTU, addresses and up/down of bridges and internal ports belong to the linux backend.
 */
export function createOvsBackend(opts: { db?: string; run: Runner; log: Logger }): Backend {
  const log = opts.log.child({ backend: 'ovs' });
  const vsctl = createVsctl({ db: opts.db, run: opts.run });
  return {
    name: 'ovs',
    read: () => readOvs(vsctl),
    plan: (desired, actual, ctx) => planOvs(desired, actual, ctx),
    execute: (operations) => applyOvs(vsctl, operations, log),
  };
}
