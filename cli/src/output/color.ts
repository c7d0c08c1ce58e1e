/**
 * Colour only for a person at a terminal: piped output (CI logs, `| grep`) stays plain,
 * and NO_COLOR (https://no-color.org) always wins.
 */
export function colorEnabled(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

const codes = { red: 31, green: 32, yellow: 33, blue: 34, gray: 90, bold: 1 } as const;
export type ColorName = keyof typeof codes;

export interface Colors {
  enabled: boolean;
  paint(color: ColorName, text: string): string;
}

export function makeColors(enabled: boolean): Colors {
  return {
    enabled,
    paint: (color, text) => (enabled ? `\u001b[${codes[color]}m${text}\u001b[0m` : text),
  };
}

/** Escape sequences do not take room on screen: aligned columns measure text without them. */
export const visibleLength = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').length;

/** The colour a phase or state reads best in. */
export function phaseColor(phase: string): ColorName | undefined {
  if (['Applied', 'Succeeded', 'Complete', 'True', 'yes'].includes(phase)) return 'green';
  if (['Failed', 'RolledBack', 'Halted', 'TimedOut', 'no'].includes(phase)) return 'red';
  if (['Applying', 'InProgress', 'Progressing', 'Drifted', 'Paused'].includes(phase)) return 'yellow';
  return undefined;
}
