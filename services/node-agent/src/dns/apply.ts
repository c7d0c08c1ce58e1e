import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { ExecutionError, type Operation } from '../backend.ts';

type DnsOp = Extract<Operation, { backend: 'dns' }>;

/**
 * Replaces `path` atomically: the content goes to a temporary file in the same directory (same
 * filesystem, so rename is atomic), is fsynced, renamed over `path`, and the directory is fsynced.
 * Readers see the old file or the new one, never a partial one; on any failure the temporary file is removed.
 */
export async function writeAtomic(path: string, content: string): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.fleetnet-${process.pid}-${randomBytes(4).toString('hex')}`);
  const mode = await stat(path).then((s) => s.mode & 0o7777, () => 0o644);
  let created = false;
  try {
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    created = true;
    try {
      await fh.writeFile(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    created = false;
    const d = await open(dir, constants.O_RDONLY);
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch (e) {
    if (created) await unlink(tmp).catch(() => undefined);
    const err = e as NodeJS.ErrnoException;
    const dirExists = await stat(dir).then((s) => s.isDirectory(), () => false);
    const why =
      err.code === 'ENOENT' ? (dirExists ? `cannot create files in ${dir}` : `directory ${dir} does not exist`)
      : err.code === 'ENOTDIR' ? `${dir} is not a directory`
      : err.code === 'EISDIR' ? `${path} is a directory`
      : err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS' ? `${dir} is not writable (${err.code})`
      : err.message;
    throw new Error(`cannot write ${path}: ${why}`);
  }
}

export async function applyDns(operations: Operation[], log: Logger): Promise<void> {
  for (const o of operations.filter((x): x is DnsOp => x.backend === 'dns')) {
    const started = performance.now();
    try {
      await writeAtomic(o.path, o.content);
      log.info({ path: o.path, durationMs: Math.round(performance.now() - started) }, o.description);
    } catch (e) {
      const msg = (e as Error).message;
      log.error({ path: o.path, err: msg }, o.description);
      throw new ExecutionError(msg, o, ['write', o.path], msg, undefined);
    }
  }
}
