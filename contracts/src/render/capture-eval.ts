/**
 * Evaluates parsed captures against a host's current state, as nmstate does (`capture.rs`, `json.rs`):
 * captures run in dependency order whatever their order in the document, each yields a partial state
 * (`{ interfaces: [...] }`, `{ routes: { running: [...] } }`, ...), and `==`/`=~` that match no item are
 * errors (`CaptureFailed`), so a host never gets a half-rendered state.
 */
import { RenderFailure, renderError, type RenderError } from './error.ts';
import { dependencies, parseCapture, type CaptureValue, type ParsedCapture, type PathRef } from './capture-parse.ts';

export type PlainState = Record<string, unknown>;
/** What each capture matched, by name: the values a controller freezes per (policy revision, host). */
export type CapturedStates = Record<string, PlainState>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** nmstate compares values as text: numbers and booleans by their JSON spelling. */
export const valueText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');

export type Lookup = { found: true; value: unknown } | { found: false; at: number; message: string };

/** The value at `path` inside `data`; a numeric segment indexes a list, as in `interfaces.0.name`. */
export function lookup(data: unknown, path: readonly string[]): Lookup {
  let cur = data;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(seg)) return { found: false, at: i, message: `"${path.slice(0, i).join('.')}" is a list: index it with a number, e.g. ${[...path.slice(0, i), '0'].join('.')}` };
      if (Number(seg) >= cur.length) return { found: false, at: i, message: `index ${seg} is past the end of ${path.slice(0, i).join('.') || 'the list'} (${cur.length} item${cur.length === 1 ? '' : 's'})` };
      cur = cur[Number(seg)];
    } else if (isObject(cur)) {
      if (!(seg in cur)) {
        const keys = Object.keys(cur);
        return { found: false, at: i, message: `no property "${seg}"${i ? ` in ${path.slice(0, i).join('.')}` : ''}${keys.length ? ` (it has ${keys.join(', ')})` : ' (it is empty)'}` };
      }
      cur = cur[seg];
    } else {
      return { found: false, at: i, message: `${path.slice(0, i).join('.')} is ${cur === null ? 'null' : `a ${typeof cur}`}, it has no "${seg}"` };
    }
  }
  return { found: true, value: cur };
}

/** The list a capture's key path walks, and what is left of the path inside each item. */
interface ListAt {
  items: unknown[];
  rest: PathRef;
  wrap: (items: unknown[]) => PlainState;
  /** singular noun for messages */
  noun: string;
}

function listAt(c: ParsedCapture, input: PlainState, fail: (pos: number, m: string) => never): ListAt {
  const key = c.key!;
  const [first, second] = key.path;
  const tail = (n: number): PathRef => ({ path: key.path.slice(n), offsets: key.offsets.slice(n) });
  let out: ListAt;
  if (first === 'interfaces') {
    const items = input.interfaces;
    out = { items: Array.isArray(items) ? items : [], rest: tail(1), wrap: (l) => ({ interfaces: l }), noun: 'interface' };
  } else if (first === 'routes' || first === 'route-rules') {
    const kinds = first === 'routes' ? ['running', 'config'] : ['config'];
    if (second === undefined || !kinds.includes(second)) {
      fail(key.offsets[1] ?? key.offsets[0]!, `${first} is followed by ${kinds.join(' or ')}, e.g. ${first}.${kinds[0]}.${first === 'routes' ? 'destination' : 'priority'}`);
    }
    const section = input[first];
    const items = isObject(section) ? section[second!] : undefined;
    out = { items: Array.isArray(items) ? items : [], rest: tail(2), wrap: (l) => ({ [first]: { [second!]: l } }), noun: first === 'routes' ? 'route' : 'route rule' };
  } else {
    return fail(key.offsets[0]!, `${c.op} works on interfaces, routes.running, routes.config or route-rules.config, not "${first}"`);
  }
  if (!out.rest.path.length) fail(key.offsets[key.offsets.length - 1]!, `name the property to ${c.op === ':=' ? 'set' : 'compare'}, e.g. ${key.path.join('.')}.name`);
  return out;
}

/** Sets (or, for undefined, removes) `path` in `item`, creating the mappings on the way as nmstate does. */
function setPath(item: Record<string, unknown>, path: readonly string[], value: unknown): string | undefined {
  let cur: Record<string, unknown> = item;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i]!;
    if (cur[seg] === undefined || cur[seg] === null) cur[seg] = {};
    const next = cur[seg];
    if (!isObject(next)) return `${path.slice(0, i + 1).join('.')} is not a mapping`;
    cur = next;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = clone(value);
  return undefined;
}

function evaluateOne(c: ParsedCapture, current: PlainState, done: CapturedStates): PlainState {
  const fail = (pos: number, message: string): never => {
    throw new RenderFailure(renderError('CaptureFailed', ['capture', c.name], message, { expression: c.text, position: pos, capture: c.name }));
  };
  const input = c.input ? done[c.input.capture]! : current;
  if (c.op === 'copy') return clone(input);
  const key = c.key!;
  if (c.op === 'retain') {
    const found = lookup(input, key.path);
    if (!found.found) fail(key.offsets[found.at]!, `${found.message}${c.input ? ` in capture ${c.input.capture}` : ' in the current state'}`);
    // Keep the path's mappings, drop their siblings (nmstate's value_retain_only).
    const out: PlainState = {};
    let dst: Record<string, unknown> = out;
    let src: unknown = input;
    key.path.forEach((seg, i) => {
      src = (src as Record<string, unknown>)[seg];
      if (i === key.path.length - 1 || !isObject(src)) dst[seg] = clone(src);
      else dst = (dst[seg] = {}) as Record<string, unknown>;
    });
    return out;
  }

  const list = listAt(c, input, fail);
  const value = resolveValue(c, c.value!, current, done, fail);
  if (c.op === ':=') {
    const updated = list.items.map((item, i) => {
      const copy = clone(item);
      if (!isObject(copy)) return copy;
      const problem = setPath(copy, list.rest.path, value);
      if (problem) fail(list.rest.offsets[0]!, `cannot set ${list.rest.path.join('.')} on ${list.noun} ${i}: ${problem}`);
      return copy;
    });
    return list.wrap(updated);
  }
  const v = c.value!;
  const wanted = value === undefined ? '' : valueText(value);
  const matches = list.items.filter((item) => {
    const got = lookup(item, list.rest.path);
    if (!got.found) return false;
    return v.kind === 'regex' ? v.regex.test(valueText(got.value)) : valueText(got.value) === wanted;
  });
  if (!matches.length) {
    const what = `${list.rest.path.join('.')} ${c.op} ${v.kind === 'regex' ? `/${v.source}/` : JSON.stringify(wanted)}`;
    fail(list.rest.offsets[0]!, `no ${list.noun} with ${what}${list.items.length ? ` among ${list.items.length}` : ` (${c.input ? `capture ${c.input.capture}` : 'the current state'} has no ${list.noun}s)`}`);
  }
  return list.wrap(clone(matches));
}

/** The right-hand side: a literal, `null` (undefined: removes / matches nothing), or a property read. */
function resolveValue(c: ParsedCapture, v: CaptureValue, current: PlainState, done: CapturedStates, fail: (pos: number, m: string) => never): unknown {
  if (v.kind === 'literal') return v.value;
  if (v.kind === 'null' || v.kind === 'regex') return undefined;
  const src = v.capture !== undefined ? done[v.capture]! : current;
  const got = lookup(src, v.ref.path);
  if (!got.found) return fail(v.ref.offsets[got.at]!, `${got.message}${v.capture !== undefined ? ` in capture ${v.capture}` : ' in the current state'}`);
  return got.value === null ? undefined : got.value;
}

/** Dependency order; a capture naming an unknown capture or a cycle is a syntax error of the policy. */
export function orderCaptures(parsed: ParsedCapture[]): ParsedCapture[] {
  const byName = new Map(parsed.map((p) => [p.name, p]));
  const ordered: ParsedCapture[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (p: ParsedCapture, chain: string[]) => {
    if (state.get(p.name) === 'done') return;
    if (state.get(p.name) === 'visiting') {
      const cycle = [...chain.slice(chain.indexOf(p.name)), p.name];
      throw new RenderFailure(renderError('CaptureSyntax', ['capture', p.name], `captures depend on each other in a cycle: ${cycle.join(' -> ')}`, { expression: p.text, capture: p.name }));
    }
    state.set(p.name, 'visiting');
    for (const d of dependencies(p)) {
      const dep = byName.get(d.capture);
      if (!dep) {
        throw new RenderFailure(renderError('CaptureSyntax', ['capture', p.name], `no capture named "${d.capture}" in this policy`, { expression: p.text, position: d.pos, capture: p.name }));
      }
      visit(dep, [...chain, p.name]);
    }
    state.set(p.name, 'done');
    ordered.push(p);
  };
  for (const p of parsed) visit(p, []);
  return ordered;
}

/** Parses every expression; all syntax errors at once (a policy author fixes them in one go). */
export function parseCaptures(captures: Record<string, string>): { parsed: ParsedCapture[]; errors: RenderError[] } {
  const parsed: ParsedCapture[] = [];
  const errors: RenderError[] = [];
  for (const [name, expr] of Object.entries(captures)) {
    try {
      parsed.push(parseCapture(name, expr));
    } catch (e) {
      if (!(e instanceof RenderFailure)) throw e;
      errors.push(e.error);
    }
  }
  if (!errors.length) {
    try {
      orderCaptures(parsed);
    } catch (e) {
      if (!(e instanceof RenderFailure)) throw e;
      errors.push(e.error);
    }
  }
  return { parsed, errors };
}

/**
 * Runs every capture against `current`. The first failure stops evaluation: later captures may
 * depend on it, and the host gets nothing rendered anyway.
 */
export function evaluateCaptures(captures: Record<string, string>, current: PlainState): { ok: true; captured: CapturedStates } | { ok: false; errors: RenderError[] } {
  const { parsed, errors } = parseCaptures(captures);
  if (errors.length) return { ok: false, errors };
  const captured: CapturedStates = {};
  try {
    for (const c of orderCaptures(parsed)) captured[c.name] = evaluateOne(c, current, captured);
  } catch (e) {
    if (!(e instanceof RenderFailure)) throw e;
    return { ok: false, errors: [e.error] };
  }
  return { ok: true, captured };
}
