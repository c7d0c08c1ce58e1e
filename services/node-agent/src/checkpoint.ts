import type { NetworkState } from '@fleetnet/contracts';
import { readFileSync } from 'node:fs';
import type { Operation } from './backend.ts';
import { CHECKPOINT_FILE, CorruptFile, type StateDir } from './state-dir.ts';

/**
 * The pre-change state, written (and fsynced) before the first operation runs and dropped only at
 * commit or after a rollback. Finding one at start means an apply died half way: roll back to it.
 */
export interface Checkpoint {
  createdAt: string;
  pid: number;
  version?: number;
  /** the full state read before the change; the rollback restores what differs from it */
  before: NetworkState;
  /** interfaces fleetnet had created before this apply */
  created: string[];
  /** what the plan touches (interface names, routes, files), for people reading the file */
  touches: string[];
  operations: Operation[];
  /** files the plan replaces (resolv.conf), as they were byte for byte; null when the file did not exist */
  files?: Record<string, string | null>;
}

export function writeCheckpoint(dir: StateDir, cp: Checkpoint): void {
  dir.writeJson(CHECKPOINT_FILE, cp);
}

/** A checkpoint that is there but cannot be read: set aside, with the version it names when that much survived. */
export interface CorruptCheckpoint {
  reason: string;
  setAsideAs: string;
  version?: number;
}

/**
 * The checkpoint left by an apply that died, if any. One that cannot be read (a disk that filled up
 * mid-write) is renamed aside and returned as `corrupt`: the pre-change state it held is lost, so
 * nothing may be "restored" from it, and keeping it would fail every start.
 */
export function readCheckpoint(dir: StateDir): { checkpoint?: Checkpoint; corrupt?: CorruptCheckpoint } {
  try {
    const checkpoint = dir.readJson<Checkpoint>(CHECKPOINT_FILE);
    return checkpoint ? { checkpoint } : {};
  } catch (e) {
    if (!(e instanceof CorruptFile)) throw e;
    let text = '';
    try {
      text = readFileSync(e.path, 'utf8');
    } catch {
      // the reason already says what is wrong
    }
    const v = /"version":\s*(\d+)/.exec(text);
    const setAsideAs = dir.setAside(CHECKPOINT_FILE);
    return { corrupt: { reason: e.message, setAsideAs, ...(v ? { version: Number(v[1]) } : {}) } };
  }
}

export function dropCheckpoint(dir: StateDir): void {
  dir.remove(CHECKPOINT_FILE);
}

/** The files a plan replaces as they are now, so a rollback can put back the very bytes. */
function snapshotFiles(ops: Operation[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const o of ops) {
    const path = o.backend === 'dns' ? o.path : o.backend === 'dhcp' ? o.resolvConf : undefined;
    if (path === undefined || path in out) continue;
    try {
      out[path] = readFileSync(path, 'utf8');
    } catch {
      out[path] = null;
    }
  }
  return out;
}

/** The checkpoint of an apply about to run `operations` on a host that is `before`. */
export function checkpointFor(before: NetworkState, created: ReadonlySet<string>, operations: Operation[], version?: number): Checkpoint {
  // The hostname is restored only by a rollback of a plan that changed it: a rollback run by another
  // agent (another UTS view of the host) must never rename the machine it runs on.
  // (the host backend's hostname operations: `hostname NAME`, and the static file, the only one with a path)
  const touchesHostname = operations.some((o) => o.backend === 'host' && (o.target === 'hostname' || 'path' in o));
  const { hostname, ...rest } = before;
  return {
    createdAt: new Date().toISOString(),
    pid: process.pid,
    version,
    before: touchesHostname && hostname ? { ...rest, hostname } : rest,
    created: [...created],
    touches: [...new Set(operations.map((o) => o.target))],
    operations,
    files: snapshotFiles(operations),
  };
}
