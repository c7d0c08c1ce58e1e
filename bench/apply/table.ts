import type { DriftResult } from './drift.ts';
import { mark, type GoalCheck, type Row } from './goals.ts';

const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}

/** The results table: one row per method and K, with spread, the ratio to fleetnet's library row, and the goal mark. */
export function resultsTable(rows: Row[], goals: GoalCheck[], skipped: { label: string; reason: string }[]): string {
  const head = ['method', 'K', 'runs', 'median', 'p10', 'p90', 'min', 'max', 'time ÷ fleetnet', 'goal'];
  const body: string[][] = [head];
  const ks = [...new Set(rows.map((r) => r.k))].sort((a, b) => a - b);
  for (const k of ks) {
    const f = rows.find((r) => r.method === 'fleetnet' && r.k === k);
    for (const r of rows.filter((x) => x.k === k)) {
      const ratio = f ? r.summary.median / f.summary.median : NaN;
      const g = goals.find((x) => x.method === r.method && x.k === k);
      const goal = g ? `${g.target} ${mark(g)}` : '';
      body.push([
        r.label, String(k), String(r.summary.n), ms(r.summary.median), ms(r.summary.p10), ms(r.summary.p90), ms(r.summary.min), ms(r.summary.max),
        r.method === 'fleetnet' ? '1.0×' : Number.isFinite(ratio) ? `${ratio.toFixed(1)}×` : '-', goal,
      ]);
    }
    for (const s of skipped) body.push([s.label, String(k), '0', 'skipped', '', '', '', '', '', '']);
  }
  let text = pad(body);
  if (skipped.length) text += '\n' + skipped.map((s) => `skipped: ${s.label}: ${s.reason}`).join('\n');
  return text;
}

export function driftTable(d: DriftResult, goal: GoalCheck | undefined): string {
  const s = d.summary;
  return pad([
    ['drift latency', 'changes', 'debounce', 'median', 'p90', 'max', 'goal'],
    ['MTU changed by hand → watcher callback', String(d.changes), `${d.debounceMs} ms`, ms(s.median), ms(s.p90), ms(s.max), goal ? `${goal.target} ${mark(goal)}` : ''],
  ]);
}

export function goalsList(goals: GoalCheck[]): string {
  return goals.map((g) => `  ${mark(g).padEnd(8)} ${g.goal}: ${g.actual} (goal ${g.target})`).join('\n');
}
