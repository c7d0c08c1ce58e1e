import { procInfo } from './runs.ts';

/**
 * Calls `onGone` once when any ancestor of this process exits. `pnpm demo` runs as
 * pnpm → tsx → this process; pnpm does not pass SIGTERM on, and tsx outlives it (reparented to
 * init), so a supervisor stopping pnpm would leave the whole fleet running. Polling the chain of
 * ancestors (pid and start time, so a reused pid does not count) sees pnpm go.
 */
export function watchAncestors(onGone: (pid: number) => void, intervalMs = 500): () => void {
  const chain: { pid: number; startTicks: number }[] = [];
  let pid = process.ppid;
  while (pid > 1 && chain.length < 64) {
    const info = procInfo(pid);
    if (!info) break;
    chain.push({ pid, startTicks: info.startTicks });
    pid = info.ppid;
  }
  const timer = setInterval(() => {
    const gone = chain.find((a) => procInfo(a.pid)?.startTicks !== a.startTicks);
    if (!gone) return;
    clearInterval(timer);
    onGone(gone.pid);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
