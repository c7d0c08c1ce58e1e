import type { Comparison } from '@fleetnet/contracts';
import type { Operation } from './backend.ts';

const show = (v: unknown) => (v === undefined || v === null ? '-' : typeof v === 'string' ? v : JSON.stringify(v));

/** A fixed-width text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** One line per operation, in execution order: what `fleetnet-agent plan` prints. */
export const formatOperations = (ops: Operation[]) =>
  ops.map((o, i) => `${String(i + 1).padStart(3)}  ${o.stage.padEnd(15)}  ${o.description}`).join('\n');

/** The per-property in-sync table (oVirt's network attachment report, one row per property). */
export const formatComparison = (c: Comparison) =>
  table(
    ['PATH', 'PROPERTY', 'EXPECTED', 'ACTUAL', 'IN-SYNC'],
    c.results.map((r) => [r.path, r.property, show(r.expected), show(r.actual), r.inSync ? 'yes' : 'NO']),
  );
