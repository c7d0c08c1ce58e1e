import type { RolloutView } from '@fleetnet/contracts';

/**
 * Which pending hosts may start now. Capacity is maxUnavailable minus the hosts in progress as
 * the view counts them right now; canaries go first and alone until every canary succeeded;
 * a halted or paused rollout starts nobody.
 */
export function planAdmissions(view: RolloutView, held: (host: string) => boolean = () => false): string[] {
  if (view.state !== 'Progressing') return [];
  const slots = view.maxUnavailable - view.counts.inProgress;
  if (slots <= 0 || view.counts.pending === 0) return [];
  const names = Object.keys(view.hosts).sort();
  const canaries = names.filter((n) => view.hosts[n]!.canary);
  const canariesDone = canaries.every((n) => view.hosts[n]!.phase === 'Succeeded');
  const pool = canariesDone ? names : canaries;
  // A held host (pinned by a rollback) cannot take the revision now; it must not hold a slot either.
  return pool.filter((n) => view.hosts[n]!.phase === 'Pending' && !held(n)).slice(0, slots);
}

/** Hosts in progress for longer than the timeout allows, to be recorded as timed out. */
export function overdueHosts(view: RolloutView, timeoutSeconds: number, nowMs: number): { host: string; version: number }[] {
  const out: { host: string; version: number }[] = [];
  for (const [host, h] of Object.entries(view.hosts)) {
    if (h.phase !== 'InProgress' || !h.startedAt || h.version === undefined) continue;
    if (nowMs - Date.parse(h.startedAt) >= timeoutSeconds * 1000) out.push({ host, version: h.version });
  }
  return out.sort((a, b) => (a.host < b.host ? -1 : 1));
}
