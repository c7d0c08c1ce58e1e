import { readFileSync } from 'node:fs';

/** Is a process with this pid alive? (EPERM: it exists, it is just not ours to signal.) */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A process's argv (empty when it is gone): how a supervisor tells its own client from a reused pid. */
export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** The pid in a pid file, or undefined (no file, or no positive number in it). */
export function readPidFile(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * SIGTERM, then SIGKILL after `graceMs`; resolves once the pid is gone (or 1 s after the SIGKILL).
 * The supervisors' clients (DHCP, lldpd, wpa_supplicant) all stop this way.
 */
export async function terminate(pid: number, graceMs = 5000): Promise<void> {
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < graceMs && pidAlive(pid); waited += 100) await sleep(100);
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 20 && pidAlive(pid); i++) await sleep(50);
}
