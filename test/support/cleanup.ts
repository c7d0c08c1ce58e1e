import { execFileSync } from 'node:child_process';

/**
 * Last-resort cleanup of what a test created (namespaces, OVS daemons, nats-servers), run when the
 * process exits for any reason, including a failed assertion or Ctrl-C. Each entry removes only
 * what this process itself made, identified by name or pid.
 */
const actions = new Map<string, () => void>();
let installed = false;

function runAll() {
  for (const [key, fn] of [...actions.entries()].reverse()) {
    actions.delete(key);
    try {
      fn();
    } catch {
      // best effort: one failed removal must not keep the others from running
    }
  }
}

export function onExit(key: string, fn: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', runAll);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        runAll();
        process.exit(130);
      });
    }
  }
  actions.set(key, fn);
  return () => actions.delete(key);
}

export const killPid = (pid: number | undefined, signal: NodeJS.Signals = 'SIGTERM') => {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
};

export const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
