import type { Rollout } from '@fleetnet/contracts';

export const DEFAULT_MAX_UNAVAILABLE = '50%';
export const DEFAULT_FAILURE_THRESHOLD = 1;
export const DEFAULT_HOST_TIMEOUT_SECONDS = 300;

export interface RolloutSettings {
  maxUnavailable: number;
  canary: number;
  failureThreshold: number;
  hostTimeoutSeconds: number;
}

/** A percentage is of the matched hosts, rounded up, and never below one host (or nothing would move). */
export function resolveMaxUnavailable(value: Rollout['maxUnavailable'], total: number): number {
  const v = value ?? DEFAULT_MAX_UNAVAILABLE;
  if (typeof v === 'number') return Math.max(1, v);
  const pct = Number(v.replace('%', ''));
  return Math.max(1, Math.ceil((pct * total) / 100));
}

export function rolloutSettings(spec: Rollout | undefined, total: number): RolloutSettings {
  return {
    maxUnavailable: resolveMaxUnavailable(spec?.maxUnavailable, total),
    canary: Math.min(spec?.canary ?? 0, total),
    failureThreshold: spec?.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD,
    hostTimeoutSeconds: spec?.hostTimeoutSeconds ?? DEFAULT_HOST_TIMEOUT_SECONDS,
  };
}
