import type { Nic } from '@fleetnet/contracts';
import type { Backend } from '../backend.ts';
import type { Runner } from '../exec.ts';
import type { Logger } from '../log.ts';
import { applySriov } from './apply.ts';
import { planSriov } from './plan.ts';
import { parseVfInfo, pfsNeedingLinkInfo, readNics, readSriov, type SriovHardware, type VfLinkInfo } from './read.ts';

export { planSriov, PCI_OF } from './plan.ts';
export { readNics, readSriov, parseVfInfo, type SriovHardware, type PfHardware } from './read.ts';

export interface SriovBackend extends Backend {
  /** The NICs under `<root>/class/net` with PCI identity, for `resolveNicMatches` and the hello facts. */
  readNics(): Nic[];
}

/**
 * SR-IOV through sysfs under `root` (real hosts: `/sys`). `run` runs the `ip link` commands used for
 * per-VF settings when the driver has no per-VF sysfs files (in its namespace); sysfs itself is read at `root`.
 * `afterWrite` is a test-only hook (see SriovApplyOptions).
 * PF selection by vendor/device id or PCI address happens before planning: the reconciler runs
 * `resolveNicMatches(state, backend.readNics())`.
 */
export function createSriovBackend(opts: {
  root: string;
  run: Runner;
  log: Logger;
  afterWrite?: (path: string, value: string) => void;
}): SriovBackend {
  const log = opts.log.child({ backend: 'sriov' });
  // Capacity and configuration method of each PF, from the last read; plan() is pure over it.
  let hardware: SriovHardware | undefined;
  const linkInfo = async (pf: string): Promise<VfLinkInfo> => {
    const r = await opts.run('ip', ['-j', 'link', 'show', 'dev', pf], { quiet: true });
    return r.exitCode === 0 ? parseVfInfo(JSON.parse(r.stdout || '[]')) : new Map();
  };
  return {
    name: 'sriov',
    readNics: () => readNics(opts.root),
    async read() {
      const pfs = pfsNeedingLinkInfo(opts.root);
      const infos = new Map(await Promise.all(pfs.map(async (pf) => [pf, await linkInfo(pf)] as const)));
      const r = readSriov(opts.root, infos);
      hardware = r.hardware;
      return r.state;
    },
    plan: (desired, actual) => planSriov(desired, actual, hardware ?? readSriov(opts.root).hardware, opts.root),
    execute: (operations) => applySriov(operations, { run: opts.run, log, afterWrite: opts.afterWrite }),
  };
}
