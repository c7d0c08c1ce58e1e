/** kubectl-style ages: 42s, 5m, 3h, 2d. */
export function age(iso: string | undefined, now: number = Date.now()): string {
  if (!iso) return '<none>';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '<invalid>';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 120 * 60) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Accepts 30s, 2m, 1h, 500ms or plain seconds. */
export function parseDuration(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!);
}
