/**
 * `{{ }}` references in a desired state (nmstate's `template.rs`, widened to host values and pools):
 *
 *   "{{ capture.NAME.PATH }}"       a captured value; a whole subtree when it stands alone
 *   "{{ host.name }}"               the host's name
 *   "{{ host.labels.KEY }}"         a label (KEY may hold dots and slashes: kubernetes.io/hostname)
 *   "{{ host.facts.PATH }}"         the host's facts, e.g. host.facts.nics.0.mac
 *   "{{ pools.NAME.ip }}"           this host's address from pool NAME (also prefix-length, gateway)
 *
 * One reference per string, as in nmstate. Text around it ("br-{{ host.name }}") is kept verbatim and
 * needs a single value (nmstate also drops the spaces of that text; fleetnet keeps them).
 */
import { RenderFailure, renderError, type RenderError } from './error.ts';
import { lookup, type CapturedStates } from './capture-eval.ts';
import type { Facts } from '../facts.ts';

export interface TemplateRef {
  prefix: string;
  suffix: string;
  /** the reference as written between the braces, trimmed */
  ref: string;
  path: string[];
  /** 0-based offset of `ref` in the string */
  pos: number;
}

/** The host a policy is rendered for. */
export interface RenderHost {
  name: string;
  labels?: Record<string, string>;
  facts?: Facts;
}

/** The address a pool gave this host (allocation is the controller's; the renderer only reads it). */
export interface PoolAddress {
  ip: string;
  'prefix-length': number;
  gateway?: string;
}

export interface TemplateScope {
  captured: CapturedStates;
  host?: RenderHost;
  pools?: Record<string, PoolAddress>;
}

export const hasTemplate = (s: string): boolean => s.includes('{{') || s.includes('}}');

/** True when a string, or anything inside a value, holds a `{{ }}` reference. */
export function containsTemplate(v: unknown): boolean {
  if (typeof v === 'string') return hasTemplate(v);
  if (Array.isArray(v)) return v.some(containsTemplate);
  if (typeof v === 'object' && v !== null) return Object.values(v).some(containsTemplate);
  return false;
}

/** Parses one string; undefined when it holds no reference. Throws `TemplateSyntax` failures. */
export function parseTemplate(text: string, segments: (string | number)[] = []): TemplateRef | undefined {
  if (!hasTemplate(text)) return undefined;
  const fail = (pos: number, message: string): never => {
    throw new RenderFailure(renderError('TemplateSyntax', segments, message, { expression: text, position: pos }));
  };
  const open = text.indexOf('{{');
  const close = text.indexOf('}}');
  if (open < 0) return fail(close, 'found "}}" without a "{{" before it');
  if (close < 0) return fail(open, 'this "{{" is never closed with "}}"');
  if (close < open) return fail(close, 'found "}}" before the first "{{"');
  const next = text.indexOf('{{', open + 2);
  if (next >= 0) return fail(next, 'only one {{ }} reference per value (nmstate allows one)');
  if (text.indexOf('}}', close + 2) >= 0) return fail(text.indexOf('}}', close + 2), 'found a second "}}"');
  const inner = text.slice(open + 2, close);
  const ref = inner.trim();
  const pos = open + 2 + (inner.length - inner.trimStart().length);
  if (!ref) return fail(open, 'nothing between {{ and }}: name a value, e.g. {{ host.name }}');
  if (/\s/.test(ref)) return fail(pos + ref.search(/\s/), 'one property path between {{ and }}, without spaces');
  if (/[{}]/.test(ref)) return fail(pos + ref.search(/[{}]/), 'a single "{" or "}" inside a reference');
  const path = ref.split('.');
  if (path.some((p) => p === '')) return fail(pos, `"${ref}" has an empty segment (two dots, or a dot at an end)`);
  if (!['capture', 'host', 'pools'].includes(path[0]!)) return fail(pos, `a reference starts with capture., host. or pools., got "${ref}"`);
  if (path[0] === 'capture' && path.length < 3) return fail(pos, `write capture.NAME.PATH, e.g. capture.base-iface.interfaces.0.name`);
  if (path[0] === 'pools' && (path.length !== 3 || !['ip', 'prefix-length', 'gateway'].includes(path[2]!))) {
    return fail(pos, `write pools.NAME.ip, pools.NAME.prefix-length or pools.NAME.gateway, got "${ref}"`);
  }
  if (path[0] === 'host' && !(path.length === 2 && path[1] === 'name') && !(path.length >= 3 && ['labels', 'facts'].includes(path[1]!))) {
    return fail(pos, `write host.name, host.labels.KEY or host.facts.PATH, got "${ref}"`);
  }
  return { prefix: text.slice(0, open), suffix: text.slice(close + 2), ref, path, pos };
}

/** The value a reference stands for in this scope. */
export function resolveRef(t: TemplateRef, text: string, segments: (string | number)[], scope: TemplateScope): unknown {
  const fail = (message: string, pos = t.pos, kind: 'TemplateUnresolved' | 'PoolMissing' = 'TemplateUnresolved', pool?: string): never => {
    throw new RenderFailure(renderError(kind, segments, message, { expression: text, position: pos, ...(pool ? { pool } : {}) }));
  };
  const segPos = (i: number) => t.pos + t.path.slice(0, i).reduce((n, s) => n + s.length + 1, 0);
  const [root, second] = t.path;
  if (root === 'capture') {
    const cap = scope.captured[second!];
    if (!cap) return fail(`no capture named "${second}" in this policy`, segPos(1));
    const got = lookup(cap, t.path.slice(2));
    if (!got.found) return fail(`${got.message} in capture ${second}`, segPos(2 + got.at));
    return got.value;
  }
  if (root === 'pools') {
    const pool = scope.pools?.[second!];
    if (!pool) return fail(`no address from pool "${second}" for this host`, segPos(1), 'PoolMissing', second);
    const v = pool[t.path[2] as keyof PoolAddress];
    if (v === undefined) return fail(`pool "${second}" has no ${t.path[2]}`, segPos(2));
    return v;
  }
  const host = scope.host;
  if (!host) return fail(`"${t.ref}" needs a host (render for a named host)`);
  if (second === 'name') return host.name;
  if (second === 'labels') {
    // Label keys hold dots (kubernetes.io/hostname): everything after "host.labels." is the key.
    const key = t.path.slice(2).join('.');
    const v = host.labels?.[key];
    if (v === undefined) return fail(`host ${host.name} has no label "${key}"`, segPos(2));
    return v;
  }
  if (!host.facts) return fail(`no facts known for host ${host.name} (it has not said hello yet)`, segPos(1));
  const got = lookup(host.facts, t.path.slice(2));
  if (!got.found) return fail(`${got.message} in the facts of host ${host.name}`, segPos(2 + got.at));
  return got.value;
}

/** A string with its reference replaced: the value itself when alone, else text around a single value. */
export function substitute(text: string, segments: (string | number)[], scope: TemplateScope): { changed: boolean; value: unknown } {
  const t = parseTemplate(text, segments);
  if (!t) return { changed: false, value: text };
  const v = resolveRef(t, text, segments, scope);
  if (!t.prefix && !t.suffix) return { changed: true, value: structuredClone(v) };
  if (typeof v === 'object' && v !== null) {
    throw new RenderFailure(renderError('TemplateUnresolved', segments, `"${t.ref}" is ${Array.isArray(v) ? 'a list' : 'a mapping'}: text around a reference needs a single value`, { expression: text, position: t.pos }));
  }
  return { changed: true, value: `${t.prefix}${String(v)}${t.suffix}` };
}

/**
 * Every string of `doc` substituted. Returns the new document and the paths whose values came from a
 * reference (only those may be converted to the type the schema wants: literal text stays strict).
 */
export function fillTemplates(doc: unknown, scope: TemplateScope, at: (string | number)[] = []): { value: unknown; filled: (string | number)[][] } {
  const filled: (string | number)[][] = [];
  const walk = (v: unknown, seg: (string | number)[]): unknown => {
    if (typeof v === 'string') {
      const r = substitute(v, seg, scope);
      if (r.changed) filled.push(seg);
      return r.value;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...seg, i]));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...seg, k])]));
    return v;
  };
  return { value: walk(doc, at), filled };
}

/** Every reference in a document, parsed but not resolved, and the syntax errors (policy intake). */
export function templateRefs(doc: unknown, at: (string | number)[] = []): { refs: { segments: (string | number)[]; text: string; ref: TemplateRef }[]; errors: RenderError[] } {
  const refs: { segments: (string | number)[]; text: string; ref: TemplateRef }[] = [];
  const errors: RenderError[] = [];
  const walk = (v: unknown, seg: (string | number)[]) => {
    if (typeof v === 'string') {
      try {
        const ref = parseTemplate(v, seg);
        if (ref) refs.push({ segments: seg, text: v, ref });
      } catch (e) {
        if (!(e instanceof RenderFailure)) throw e;
        errors.push(e.error);
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...seg, i]));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...seg, k]);
  };
  walk(doc, at);
  return { refs, errors };
}
