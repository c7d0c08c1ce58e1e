import type { HostView } from '@fleetnet/contracts';
import { laterOf } from './projection/state.ts';

const ageMs = (lastSeen: string | undefined, nowMs: number) => (lastSeen === undefined ? Infinity : nowMs - Date.parse(lastSeen));

/** Just the `reachable` of withLiveness, without building the served view (checked for every host every tick). */
export const isReachable = (view: HostView, lastBeat: string | undefined, nowMs: number, afterSeconds: number): boolean =>
  ageMs(laterOf(view.lastSeen, lastBeat), nowMs) < afterSeconds * 1000;

/**
 * Heartbeats are core NATS, not in any stream, so liveness is laid over the folded view when it is
 * served rather than folded into it (a rebuild from the streams could never reproduce it).
 */
export function withLiveness(view: HostView, lastBeat: string | undefined, nowMs: number, afterSeconds: number): HostView {
  const lastSeen = laterOf(view.lastSeen, lastBeat);
  const age = ageMs(lastSeen, nowMs);
  const reachable = age < afterSeconds * 1000;
  const out: HostView = { ...view, reachable };
  if (lastSeen !== undefined) out.lastSeen = lastSeen;
  if (!reachable && !view.retired) {
    out.conditions = [
      ...view.conditions,
      {
        type: 'Unreachable', status: 'True',
        reason: lastSeen === undefined ? 'NeverSeen' : 'NoHeartbeat',
        message: lastSeen === undefined
          ? 'no heartbeat or report was ever received from this host'
          : `no heartbeat or report for ${Math.round(age / 1000)} s (limit ${afterSeconds} s)`,
        since: lastSeen ?? view.registeredAt ?? view.updatedAt,
      },
    ];
  }
  return out;
}

/**
 * Pure: the heartbeats to forget — of a name no host view has, once older than the liveness limit.
 * A heartbeat may come before its host's hello is folded, so a young one stays; an old one for no
 * host would otherwise be kept forever (one entry per name ever heard).
 */
export function staleBeats(beats: ReadonlyMap<string, string>, isHost: (name: string) => boolean, nowMs: number, afterSeconds: number): string[] {
  return [...beats].filter(([name, at]) => !isHost(name) && ageMs(at, nowMs) >= afterSeconds * 1000).map(([name]) => name);
}
