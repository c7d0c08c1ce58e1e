/** Summary of a list of wall times (ms). Percentiles by linear interpolation between closest ranks. */
export interface Summary {
  n: number;
  median: number;
  p10: number;
  p90: number;
  min: number;
  max: number;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function summarize(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, median: percentile(s, 0.5), p10: percentile(s, 0.1), p90: percentile(s, 0.9), min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN };
}

/** Median of each numeric key over several records (for the agent's per-phase timings). */
export function medianOfKeys(records: Record<string, number>[]): Record<string, number> {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const out: Record<string, number> = {};
  for (const k of keys) {
    const vals = records.map((r) => r[k]).filter((v): v is number => typeof v === 'number');
    if (vals.length) out[k] = round(percentile(vals.sort((a, b) => a - b), 0.5));
  }
  return out;
}

export const round = (x: number, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);
