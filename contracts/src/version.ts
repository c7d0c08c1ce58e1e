import { readFileSync } from 'node:fs';

// Replaced by scripts/build.ts (esbuild `define`) in the built binaries; absent when running from sources.
declare const FLEETNET_BUILD_VERSION: string | undefined;
declare const FLEETNET_BUILD_COMMIT: string | undefined;

export interface BuildInfo {
  version: string;
  commit: string;
}

/** From sources: the root package.json's version and the checked-out commit, read from .git without spawning git. */
function fromSources(): BuildInfo {
  const root = new URL('../../', import.meta.url);
  const read = (p: string) => readFileSync(new URL(p, root), 'utf8').trim();
  let version = '0.0.0';
  let commit = 'unknown';
  try {
    version = (JSON.parse(read('package.json')) as { version?: string }).version ?? version;
  } catch { /* not in a checkout */ }
  try {
    const head = read('.git/HEAD');
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) commit = head;
    else {
      try {
        commit = read(`.git/${ref}`);
      } catch {
        commit = read('.git/packed-refs').split('\n').find((l) => l.endsWith(` ${ref}`))?.split(' ')[0] ?? commit;
      }
    }
  } catch { /* not a git checkout */ }
  return { version, commit: commit.slice(0, 12) };
}

let cached: BuildInfo | undefined;

/** The product version and git commit every binary reports (`--version`, the agent's hello). */
export function buildInfo(): BuildInfo {
  cached ??= typeof FLEETNET_BUILD_VERSION === 'string' && typeof FLEETNET_BUILD_COMMIT === 'string'
    ? { version: FLEETNET_BUILD_VERSION, commit: FLEETNET_BUILD_COMMIT }
    : fromSources();
  return cached;
}

/** What `--version` prints, e.g. `0.1.0 (commit 478890d1a2b3)`. */
export const versionLine = (): string => `${buildInfo().version} (commit ${buildInfo().commit})`;

/**
 * A reader that stops early (`fleetnet get hosts | head`) closes the pipe: the command's output is
 * then no longer wanted, which is success, not a crash with a stack trace about EPIPE.
 */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}
