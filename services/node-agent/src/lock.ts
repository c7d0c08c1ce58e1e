import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { pidAlive as alive } from './pid.ts';


/**
 * One apply at a time per state directory, across processes. A lock whose owner died (a crash, a
 * SIGKILL) is taken over: the checkpoint, not the lock, is what makes a crash safe.
 */
export function acquireLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (owner && owner !== process.pid && alive(owner)) {
        throw new Error(`another fleetnet-agent (pid ${owner}) holds ${path}`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`cannot take the lock ${path}`);
}
