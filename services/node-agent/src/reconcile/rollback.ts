import type { NetworkState } from '@fleetnet/contracts';
import { rmSync } from 'node:fs';
import type { Backend, Operation } from '../backend.ts';
import type { Logger } from '../log.ts';
import { planAll, rollbackDesired } from '../plan.ts';
import type { ReadResult } from '../read.ts';
import { writeFileDurably } from '../state-dir.ts';
import type { Executor } from './execute.ts';

export interface RollbackDeps {
  backends: Backend[];
  read(): Promise<ReadResult>;
  execute: Executor;
  log: Logger;
}

export interface RollbackResult {
  operations: Operation[];
  restored: boolean;
  now: ReadResult;
  error?: string;
}

/** Files from the checkpoint, put back byte for byte (null: the file did not exist). */
function restoreFiles(files: Record<string, string | null>, log: Logger): string | undefined {
  let lastError: string | undefined;
  for (const [path, content] of Object.entries(files)) {
    try {
      if (content === null) rmSync(path, { force: true });
      else writeFileDurably(path, content, 0o644); // resolv.conf is world-readable
      log.warn({ path }, 'restored file from the checkpoint');
    } catch (e) {
      lastError = `cannot restore ${path}: ${(e as Error).message}`;
      log.error({ path, err: (e as Error).message }, 'file restore failed');
    }
  }
  return lastError;
}

/**
 * Back to `before`: plan the difference from what is there now and run it. A rollback operation
 * that fails does not stop the rollback: it re-reads and re-plans (up to three rounds).
 */
export async function rollback(deps: RollbackDeps, before: NetworkState, files: Record<string, string | null> = {}): Promise<RollbackResult> {
  const { log } = deps;
  const all: Operation[] = [];
  let lastError = restoreFiles(files, log);
  let now = await deps.read();
  for (let round = 0; round < 3; round++) {
    const target = rollbackDesired(before, now.state);
    const p = planAll(deps.backends, target, now.state, { created: new Set(), kernelInterfaces: now.kernelInterfaces }, { removeCreated: false });
    if (p.errors.length) log.warn({ errors: p.errors }, 'rollback plan has problems; running what it can');
    if (!p.operations.length) break;
    log.warn({ operations: p.operations.map((o) => o.description) }, 'rolling back');
    all.push(...p.operations);
    try {
      await deps.execute(p.operations, () => undefined);
      lastError = undefined;
    } catch (e) {
      lastError = (e as Error).message;
      log.error({ err: lastError }, 'rollback operation failed');
    }
    now = await deps.read();
  }
  const rest = rollbackDesired(before, now.state);
  const restored = !(rest.interfaces?.length || rest.routes?.config?.length || rest['dns-resolver']);
  if (!restored) log.error({ remaining: rest }, 'rollback did not restore everything');
  return { operations: all, restored, now, error: lastError };
}
