import { stringify } from 'yaml';
import { CliError, ExitCode } from '../exit-codes.ts';

export const OutputFormats = ['table', 'wide', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OutputFormats)[number];

export function parseFormat(value: string | undefined): OutputFormat {
  const v = value ?? 'table';
  if ((OutputFormats as readonly string[]).includes(v)) return v as OutputFormat;
  throw new CliError(`unknown output format "${v}": use one of ${OutputFormats.join(', ')}`, ExitCode.invalid);
}

/** json and yaml print the contracts' types unchanged, so scripts can rely on them. */
export function renderData(format: 'json' | 'yaml', data: unknown): string {
  return format === 'json' ? JSON.stringify(data, null, 2) + '\n' : stringify(data, { lineWidth: 0 });
}

/** Prints a table for people or the raw document for scripts. */
export function render(format: OutputFormat, data: unknown, table: (wide: boolean) => string): string {
  return format === 'json' || format === 'yaml' ? renderData(format, data) : table(format === 'wide');
}
