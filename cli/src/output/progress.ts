import type { RolloutView } from '@fleetnet/contracts';
import type { Colors } from './color.ts';

/** One policy's rollout as `apply --wait` shows it. `undefined` while the controller has not started it. */
export interface ProgressItem {
  policy: string;
  rollout?: RolloutView;
}

export function progressBar(done: number, failed: number, total: number, width = 20): string {
  if (total === 0) return `[${' '.repeat(width)}]`;
  const d = Math.round((done / total) * width);
  const f = Math.min(width - d, Math.round((failed / total) * width));
  return `[${'#'.repeat(d)}${'x'.repeat(f)}${'.'.repeat(width - d - f)}]`;
}

/** A line with no colour and no bar: what a CI log keeps, and what changes trigger a new line on. */
export function progressText(item: ProgressItem): string {
  const r = item.rollout;
  if (!r) return `${item.policy}: waiting for the controller`;
  const c = r.counts;
  return `${item.policy} rev ${r.revision}: ${r.state}: done ${c.succeeded}/${c.total}, in progress ${c.inProgress}, failed ${c.failed}, pending ${c.pending}`;
}

export function progressLine(item: ProgressItem, colors: Colors): string {
  const r = item.rollout;
  if (!r) return `${item.policy}  ${colors.paint('gray', 'waiting for the controller')}`;
  const c = r.counts;
  const state = r.state === 'Complete' ? colors.paint('green', r.state) : r.state === 'Halted' ? colors.paint('red', r.state) : colors.paint('yellow', r.state);
  return `${item.policy} rev ${r.revision}  ${progressBar(c.succeeded, c.failed, c.total)}  done ${c.succeeded}/${c.total}  in progress ${c.inProgress}  failed ${c.failed}  pending ${c.pending}  ${state}`;
}

/**
 * On a terminal the block of lines is redrawn in place; anywhere else one line is printed per
 * change, so a CI log shows each step exactly once.
 */
export class ProgressPrinter {
  private drawn = 0;
  private last = new Map<string, string>();
  constructor(
    private readonly out: { write(s: string): unknown; isTTY?: boolean },
    private readonly colors: Colors,
  ) {}

  update(items: readonly ProgressItem[]): void {
    if (this.out.isTTY) {
      const up = this.drawn ? `\u001b[${this.drawn}A` : '';
      this.out.write(up + items.map((i) => `\u001b[2K${progressLine(i, this.colors)}\n`).join(''));
      this.drawn = items.length;
      return;
    }
    for (const i of items) {
      const text = progressText(i);
      if (this.last.get(i.policy) === text) continue;
      this.last.set(i.policy, text);
      this.out.write(text + '\n');
    }
  }
}
