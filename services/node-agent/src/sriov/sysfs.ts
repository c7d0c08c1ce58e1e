import { readFileSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename } from 'node:path';

/** Small synchronous sysfs readers: sysfs files are tiny and attributes may vanish at any moment. */
export function readAttr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function readInt(path: string): number | undefined {
  const v = readAttr(path);
  if (v === undefined || v === '') return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isNaN(n) ? undefined : n;
}

/** "0x8086" -> "8086" */
export const pciId = (path: string) => readAttr(path)?.replace(/^0x/i, '').toLowerCase();

/** The last path element a symlink points to (a PCI address, a driver name), or undefined. */
export function linkTarget(path: string): string | undefined {
  try {
    return basename(readlinkSync(path));
  } catch {
    return undefined;
  }
}

export function realBase(path: string): string | undefined {
  try {
    return basename(realpathSync(path));
  } catch {
    return undefined;
  }
}

export function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** sysfs booleans: drivers print 1/0, on/off or true/false. */
export function readBool(path: string): boolean | undefined {
  const v = readAttr(path)?.toLowerCase();
  if (v === undefined) return undefined;
  return ['1', 'on', 'true', 'yes'].includes(v);
}
