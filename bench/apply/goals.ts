import type { Summary } from './stats.ts';

/** The goals of issue 7 (second half). Speed goals are stated for K = 10 and checked at every K ≥ 10. */
export const GOALS = {
  fleetnetMedianMs: { k: 10, max: 150 },
  /** issue 12: the built agent as a process */
  fleetnetCliMedianMs: { k: 10, max: 250 },
  fasterThanNaive: 5,
  fasterThanIfupdown2: 3,
  driftMaxMs: 1000,
  /** below this K the ratios are shown for information only */
  ratioMinK: 10,
} as const;

export interface GoalCheck {
  goal: string;
  /** the row it belongs to in the table */
  method?: string;
  k?: number;
  target: string;
  actual: string;
  met: boolean;
  /** shown, but not a goal at this size */
  info?: boolean;
}

export interface Row {
  method: string;
  label: string;
  k: number;
  summary: Summary;
  runs: number[];
  breakdown?: Record<string, number>;
}

/** The goal checks that apply to the measured rows and the drift result. */
export function checkGoals(rows: Row[], drift: Summary | undefined): GoalCheck[] {
  const out: GoalCheck[] = [];
  const get = (method: string, k: number) => rows.find((r) => r.method === method && r.k === k);
  const ks = [...new Set(rows.map((r) => r.k))].sort((a, b) => a - b);
  const g = GOALS.fleetnetMedianMs;
  const f10 = get('fleetnet', g.k);
  if (f10) {
    out.push({ goal: `fleetnet median at K=${g.k}`, method: 'fleetnet', k: g.k, target: `≤ ${g.max} ms`, actual: `${f10.summary.median.toFixed(1)} ms`, met: f10.summary.median <= g.max });
  }
  const c = GOALS.fleetnetCliMedianMs;
  const cli10 = get('fleetnet-cli', c.k);
  if (cli10) {
    out.push({ goal: `fleetnet-agent apply as a process at K=${c.k}`, method: 'fleetnet-cli', k: c.k, target: `≤ ${c.max} ms`, actual: `${cli10.summary.median.toFixed(1)} ms`, met: cli10.summary.median <= c.max });
  }
  for (const k of ks) {
    const f = get('fleetnet', k);
    if (!f) continue;
    const compared = [
      ['naive', GOALS.fasterThanNaive, 'one-process-per-op (ip -n)', false],
      // the same script entering the namespace the slower way; shown, not a goal
      ['naive-netns-exec', GOALS.fasterThanNaive, 'one-process-per-op (ip netns exec)', true],
      ['ifupdown2', GOALS.fasterThanIfupdown2, 'ifupdown2', false],
    ] as const;
    for (const [method, factor, name, infoOnly] of compared) {
      const o = get(method, k);
      if (!o) continue;
      const ratio = o.summary.median / f.summary.median;
      out.push({
        goal: `fleetnet faster than ${name} at K=${k}`, method, k, target: `≥ ${factor}×`, actual: `${ratio.toFixed(1)}×`,
        met: ratio >= factor, ...(infoOnly || k < GOALS.ratioMinK ? { info: true } : {}),
      });
    }
  }
  if (drift) {
    out.push({ goal: 'drift reported (max of all changes)', target: `≤ ${GOALS.driftMaxMs} ms`, actual: `${drift.max.toFixed(0)} ms`, met: drift.max <= GOALS.driftMaxMs });
  }
  return out;
}

export const mark = (c: GoalCheck) => (c.info ? (c.met ? '(✓ info)' : '(✗ info)') : c.met ? '✓' : '✗');
