import { visibleLength } from './color.ts';

/**
 * Columns aligned like kubectl's: header in capitals, each column as wide as its widest cell,
 * three spaces between, no trailing blanks. Cells may carry colour codes.
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - visibleLength(c))))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map((r) => line(headers.map((_, i) => r[i] ?? '')))].join('\n') + '\n';
}
