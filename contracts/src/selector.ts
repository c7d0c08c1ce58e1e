import { LabelSelector, type Labels } from './policy.ts';
import { schemaErrors } from './validate.ts';

/**
 * Kubernetes label selector semantics: every matchLabels entry and every expression must hold;
 * an absent or empty selector selects every host (as a Deployment's empty selector does).
 * NotIn also matches hosts without the key, exactly like kubectl.
 */
export function matchesSelector(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(value as string)) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(value as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

export class SelectorSyntaxError extends Error {
  override name = 'SelectorSyntaxError';
}

/** Splits on commas that are not inside parentheses: `a in (x,y),b` → [`a in (x,y)`, `b`]. */
function splitTerms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (depth < 0) throw new SelectorSyntaxError(`unbalanced ")" in selector "${text}"`);
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (depth !== 0) throw new SelectorSyntaxError(`unbalanced "(" in selector "${text}"`);
  out.push(cur);
  return out.map((t) => t.trim());
}

const KEY = '([A-Za-z0-9][A-Za-z0-9_./-]*)';
const VALUE = '([A-Za-z0-9_.-]*)';

/**
 * Parses kubectl's `-l` syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`,
 * joined by commas. The result is a LabelSelector, so one matcher serves policies and queries.
 */
export function parseSelector(text: string): LabelSelector {
  const sel: Required<LabelSelector> = { matchLabels: {}, matchExpressions: [] };
  if (!text.trim()) return {};
  for (const term of splitTerms(text)) {
    let m: RegExpExecArray | null;
    if (!term) throw new SelectorSyntaxError(`empty term in selector "${text}"`);
    if ((m = new RegExp(`^${KEY}\\s*(==|=)\\s*${VALUE}$`).exec(term))) sel.matchLabels[m[1]!] = m[3]!;
    else if ((m = new RegExp(`^${KEY}\\s*!=\\s*${VALUE}$`).exec(term)))
      sel.matchExpressions.push({ key: m[1]!, operator: 'NotIn', values: [m[2]!] });
    else if ((m = new RegExp(`^${KEY}\\s+(in|notin)\\s*\\(([^)]*)\\)$`, 'i').exec(term))) {
      const values = m[3]!.split(',').map((v) => v.trim());
      const bad = values.find((v) => !new RegExp(`^${VALUE}$`).test(v));
      if (bad !== undefined) throw new SelectorSyntaxError(`invalid value "${bad}" in selector term "${term}"`);
      if (!values.length || values.every((v) => v === '')) throw new SelectorSyntaxError(`"${term}" needs at least one value`);
      sel.matchExpressions.push({ key: m[1]!, operator: m[2]!.toLowerCase() === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = new RegExp(`^!\\s*${KEY}$`).exec(term))) sel.matchExpressions.push({ key: m[1]!, operator: 'DoesNotExist' });
    else if ((m = new RegExp(`^${KEY}$`).exec(term))) sel.matchExpressions.push({ key: m[1]!, operator: 'Exists' });
    else throw new SelectorSyntaxError(`cannot parse selector term "${term}" (expected key=value, key!=value, key in (a,b), key notin (a,b), key or !key)`);
  }
  const out: LabelSelector = {};
  if (Object.keys(sel.matchLabels).length) out.matchLabels = sel.matchLabels;
  if (sel.matchExpressions.length) out.matchExpressions = sel.matchExpressions;
  // The same key and value rules as a policy's selector (63 characters, letter or digit at both ends):
  // a query that no label could ever match is a mistake to report, not an empty answer.
  const invalid = schemaErrors(LabelSelector, out)[0];
  if (invalid) throw new SelectorSyntaxError(`invalid selector "${text}": ${invalid.path}: ${invalid.message}`);
  return out;
}
