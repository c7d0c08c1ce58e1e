import type { LabelSelector, Labels } from '@fleetnet/contracts';
import { CliError, ExitCode } from './exit-codes.ts';

/**
 * kubectl's `-l` syntax: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`, comma separated.
 * Parsed locally so a typo is exit 2 before anything is asked of the server.
 */
export function parseSelector(text: string): LabelSelector {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: NonNullable<LabelSelector['matchExpressions']> = [];
  for (const term of splitTerms(text)) {
    const t = term.trim();
    if (!t) continue;
    let m;
    if ((m = /^([^\s=!()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t))) {
      const values = m[3]!.split(',').map((v) => v.trim()).filter(Boolean);
      matchExpressions.push({ key: m[1]!, operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = /^([^\s=!()]+)\s*!=\s*([^\s=!(),]*)$/.exec(t))) {
      matchExpressions.push({ key: m[1]!, operator: 'NotIn', values: [m[2]!] });
    } else if ((m = /^([^\s=!()]+)\s*==?\s*([^\s=!(),]*)$/.exec(t))) {
      matchLabels[m[1]!] = m[2]!;
    } else if ((m = /^!\s*([^\s=!()]+)$/.exec(t))) {
      matchExpressions.push({ key: m[1]!, operator: 'DoesNotExist' });
    } else if ((m = /^([^\s=!()]+)$/.exec(t))) {
      matchExpressions.push({ key: m[1]!, operator: 'Exists' });
    } else {
      throw new CliError(`invalid selector "${text}": cannot read "${t}" (use k=v, k!=v, k in (a,b), k notin (a), k, !k)`, ExitCode.invalid);
    }
  }
  return {
    ...(Object.keys(matchLabels).length ? { matchLabels } : {}),
    ...(matchExpressions.length ? { matchExpressions } : {}),
  };
}

function splitTerms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export function selectorMatches(sel: LabelSelector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const v = labels[e.key];
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(v!))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(v!)) return false;
  }
  return true;
}
