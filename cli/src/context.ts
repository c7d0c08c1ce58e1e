import type { Command } from 'commander';
import type { GlobalOptions } from './client.ts';
import { colorEnabled, makeColors, type Colors } from './output/color.ts';

/** What every command needs from its surroundings; tests of pure parts pass their own. */
export interface Ctx {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream & { isTTY?: boolean };
  colors: Colors;
}

export function defaultCtx(): Ctx {
  return { out: process.stdout, err: process.stderr, colors: makeColors(colorEnabled(process.stdout)) };
}

/** The global flags as seen from inside a subcommand's action. */
export const globals = (cmd: Command): GlobalOptions => cmd.optsWithGlobals() as GlobalOptions;

/** `--help` text: every command carries at least one example. */
export const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
