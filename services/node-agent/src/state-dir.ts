import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The agent's local disk: a checkpoint while an apply is under way, the interfaces fleetnet
 * created, and the last state that applied cleanly. Every write is a temp file fsynced, renamed over
 * the old one, and the directory fsynced, so a crash leaves either the old or the new file.
 */
export interface StateDir {
  path: string;
  file(name: string): string;
  readJson<T>(name: string): T | undefined;
  writeJson(name: string, value: unknown): void;
  remove(name: string): void;
  /** renames a file that cannot be read to NAME.corrupt-TIMESTAMP beside it (kept for people); returns the new path */
  setAside(name: string): string;
}

/** A state file that is there but cannot be read (a torn write, a disk that filled up). */
export class CorruptFile extends Error {
  constructor(readonly path: string, readonly reason: string) {
    super(`${path}: ${reason}`);
  }
}

/** `readJson`, except that a corrupt file is set aside (and logged) and reads as absent: never a crash loop at start. */
export function readJsonOrSetAside<T>(dir: StateDir, name: string, log: { error(o: object, msg: string): void }): T | undefined {
  try {
    return dir.readJson<T>(name);
  } catch (e) {
    if (!(e instanceof CorruptFile)) throw e;
    const to = dir.setAside(name);
    log.error({ file: e.path, reason: e.reason, setAsideAs: to }, 'state file unreadable; set aside');
    return undefined;
  }
}

function fsyncDir(dir: string) {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A disk error as one line naming the file, e.g. "cannot write /var/lib/fleetnet/checkpoint.json: no space left on device (ENOSPC)". */
export class DiskError extends Error {
  constructor(readonly path: string, readonly code: string | undefined, what: string, cause: string) {
    super(`cannot ${what} ${path}: ${cause}${code ? ` (${code})` : ''}`);
  }
}

const DISK_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  ENOENT: 'no such file or directory',
};

export function diskError(e: unknown, path: string, what = 'write'): DiskError {
  if (e instanceof DiskError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  return new DiskError(path, code, what, (code && DISK_ERRORS[code]) ?? (e as Error).message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, ''));
}

/**
 * Lands whole or not at all: the bytes written are counted (a full disk may take only part of them),
 * the file and then its directory are fsynced, and a temp file that did not make it is removed. A
 * failure is thrown as one DiskError line.
 */
export function writeFileDurably(path: string, content: string, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const buf = Buffer.from(content);
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      let off = 0;
      while (off < buf.length) {
        const n = writeSync(fd, buf, off, buf.length - off);
        if (n <= 0) throw Object.assign(new Error(`short write (${off} of ${buf.length} bytes)`), { code: 'ENOSPC' });
        off += n;
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (statSync(tmp).size !== buf.length) throw new Error(`short write (${statSync(tmp).size} of ${buf.length} bytes)`);
    renameSync(tmp, path);
    fsyncDir(dirname(path));
  } catch (e) {
    rmSync(tmp, { force: true });
    throw diskError(e, path);
  }
}

export function openStateDir(path: string): StateDir {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const file = (name: string) => join(path, name);
  return {
    path,
    file,
    readJson<T>(name: string): T | undefined {
      let text: string;
      try {
        text = readFileSync(file(name), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      try {
        return JSON.parse(text) as T;
      } catch (e) {
        throw new CorruptFile(file(name), `not valid JSON (${Buffer.byteLength(text)} bytes): ${(e as Error).message}`);
      }
    },
    setAside(name) {
      const to = `${file(name)}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(file(name), to);
      fsyncDir(path);
      return to;
    },
    writeJson(name, value) {
      writeFileDurably(file(name), JSON.stringify(value, null, 2) + '\n');
    },
    remove(name) {
      rmSync(file(name), { force: true });
      fsyncDir(path);
    },
  };
}

export const CREATED_FILE = 'created.json';
export const LAST_GOOD_FILE = 'last-good.json';
export const CHECKPOINT_FILE = 'checkpoint.json';
export const LOCK_FILE = 'lock';
