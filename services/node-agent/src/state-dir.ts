import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
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
}

function fsyncDir(dir: string) {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeFileDurably(path: string, content: string, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
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
        throw new Error(`${file(name)}: not valid JSON: ${(e as Error).message}`);
      }
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
