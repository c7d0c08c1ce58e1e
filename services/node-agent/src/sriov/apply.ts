import { existsSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ExecutionError, type Operation } from '../backend.ts';
import type { Runner } from '../exec.ts';
import type { Logger } from '../log.ts';
import { PCI_OF } from './plan.ts';

type SriovOp = Extract<Operation, { backend: 'sriov' }>;

export interface SriovApplyOptions {
  /** runs the `ip link set PF vf N ...` operations (in its namespace) */
  run: Runner;
  log: Logger;
  /**
   * Test hook: called after every sysfs write, so a fixture can do what the kernel would
   * (create VFs when sriov_numvfs is written, bind drivers on drivers_probe). Throwing from it
   * fails the write as the kernel would (e.g. EBUSY).
   */
  afterWrite?: (path: string, value: string) => void;
}

function resolveValue(value: string): string {
  if (!value.startsWith(PCI_OF)) return value;
  const link = value.slice(PCI_OF.length);
  try {
    return basename(readlinkSync(link));
  } catch {
    throw new Error(`${link} does not exist: the VF was not created`);
  }
}

/** Executes SR-IOV operations in order: sysfs writes and `ip link set PF vf N ...` commands. Stops at the first failure. */
export async function applySriov(operations: Operation[], opts: SriovApplyOptions): Promise<void> {
  const log = opts.log;
  for (const o of operations.filter((x): x is SriovOp => x.backend === 'sriov')) {
    const started = performance.now();
    if (o.argv) {
      const r = await opts.run(o.argv[0]!, o.argv.slice(1));
      log[r.exitCode === 0 ? 'info' : 'error']({ argv: r.argv, exitCode: r.exitCode, durationMs: r.durationMs }, o.description);
      if (r.exitCode !== 0) {
        throw new ExecutionError(`${o.description}: ${r.argv.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim()}`, o, r.argv, r.stderr, r.exitCode);
      }
      continue;
    }
    // An unbind of a VF that no driver holds is nothing to do (typical right after creating VFs).
    if (o.path.endsWith('/driver/unbind') && !existsSync(dirname(o.path))) {
      log.debug({ path: o.path }, `${o.description}: not bound, skipped`);
      continue;
    }
    const command = ['write', o.path, o.value];
    try {
      const value = resolveValue(o.value);
      writeFileSync(o.path, value);
      opts.afterWrite?.(o.path, value);
      log.info({ path: o.path, value, durationMs: Math.round(performance.now() - started) }, o.description);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      log.error({ path: o.path, value: o.value, err: msg }, o.description);
      throw new ExecutionError(`${o.description}: writing "${o.value}" to ${o.path} failed: ${msg}`, o, command, msg, undefined);
    }
  }
}
