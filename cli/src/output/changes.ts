import type { Change } from '@fleetnet/contracts';
import type { Colors } from './color.ts';

const show = (v: unknown) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Terraform's habit: `+` add, `-` remove, `~` modify, one line each. */
export function renderChanges(changes: readonly Change[], c: Colors, indent = '  '): string {
  if (!changes.length) return `${indent}(no changes)\n`;
  return changes
    .map((ch) => {
      if (ch.op === 'add') return `${indent}${c.paint('green', `+ ${ch.path}`)}: ${show(ch.to)}`;
      if (ch.op === 'remove') return `${indent}${c.paint('red', `- ${ch.path}`)}${ch.from === undefined ? '' : `: ${show(ch.from)}`}`;
      return `${indent}${c.paint('yellow', `~ ${ch.path}`)}: ${show(ch.from)} -> ${show(ch.to)}`;
    })
    .join('\n') + '\n';
}
