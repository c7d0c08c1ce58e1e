/**
 * nmstate's capture expression language (nmstate `rust/src/lib/policy/token.rs` and `capture.rs`),
 * parsed into a small AST. The grammar, as nmstate accepts it:
 *
 *   [capture.NAME |] PATH                    keep only PATH of the input (e.g. `dns-resolver.running`)
 *   [capture.NAME |] PATH == VALUE           items of a list whose property equals VALUE
 *   [capture.NAME |] PATH := VALUE           every item of a list with the property set to VALUE (`null` removes it)
 *   capture.NAME.PATH == VALUE               same as `capture.NAME | PATH == VALUE`
 *   anything else                            the whole input state (nmstate's "store it under a new name")
 *
 * VALUE is a quoted string, a bare word or number, `null`, or a property path (read from the current
 * state, or from a capture when it starts with `capture.NAME.`). A bare word with a dot is a path, as in
 * nmstate: quote IP addresses. fleetnet adds `PATH =~ "regex"` (JavaScript syntax, unanchored).
 */
import { RenderFailure, renderError } from './error.ts';

export type Token =
  | { t: 'path'; path: string[]; pos: number }
  | { t: 'value'; value: string; quoted: boolean; pos: number }
  | { t: 'null'; pos: number }
  | { t: 'pipe'; pos: number }
  | { t: 'op'; op: CaptureOp; pos: number };

export type CaptureOp = '==' | '=~' | ':=';

/** A property path with the offset of each segment, so errors can point at the segment that failed. */
export interface PathRef {
  path: string[];
  /** 0-based offset of each segment in the expression */
  offsets: number[];
}

export type CaptureValue =
  | { kind: 'literal'; value: string | number | boolean; pos: number }
  | { kind: 'null'; pos: number }
  | { kind: 'regex'; source: string; regex: RegExp; pos: number }
  /** read from the current state, or from capture `capture` when set */
  | { kind: 'path'; capture?: string; ref: PathRef; pos: number };

export interface ParsedCapture {
  name: string;
  /** the expression as evaluated: trimmed, non-breaking spaces made spaces (positions refer to this) */
  text: string;
  /** the capture this one reads instead of the current state (`capture.x | ...` or `capture.x.path == ...`) */
  input?: { capture: string; pos: number };
  op: 'copy' | 'retain' | CaptureOp;
  /** the property path (relative to the input) for retain and the operators */
  key?: PathRef;
  value?: CaptureValue;
}

/** Captures this one needs evaluated first. */
export const dependencies = (c: ParsedCapture): { capture: string; pos: number }[] => [
  ...(c.input ? [c.input] : []),
  ...(c.value?.kind === 'path' && c.value.capture !== undefined ? [{ capture: c.value.capture, pos: c.value.pos + 'capture.'.length }] : []),
];

const MAX_REGEX_LENGTH = 256;
/** A group holding a quantifier, itself quantified: (a+)+, (x*y)*, (a{2,})+ ... */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[*+]|\{\d+,?\d*\})(?:[^()\\]|\\.)*\)(?:[*+]|\{\d+,?\d*\})/;

// Characters that end a bare word (nmstate's NEXT_TOKEN_START_CHARS).
const WORD_END = new Set([' ', '\t', '\n', '\r', '=', '!', '|', '"', ':']);

const fail = (name: string, text: string, pos: number, message: string): never => {
  throw new RenderFailure(renderError('CaptureSyntax', ['capture', name], message, { expression: text, position: pos, capture: name }));
};

export function tokenize(name: string, text: string): Token[] {
  const out: Token[] = [];
  const err = (pos: number, m: string) => fail(name, text, pos, m);
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '=' || c === ':') {
      const n = text[i + 1];
      const op = c === ':' ? (n === '=' ? ':=' : undefined) : n === '=' ? '==' : n === '~' ? '=~' : undefined;
      if (!op) err(i, c === ':' ? `expected ":=" here` : `expected "==" or "=~" here`);
      out.push({ t: 'op', op: op!, pos: i });
      i += 2;
    } else if (c === '|') {
      out.push({ t: 'pipe', pos: i });
      i++;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) err(i, 'this quote is never closed');
      out.push({ t: 'value', value: text.slice(i + 1, end), quoted: true, pos: i + 1 });
      i = end + 1;
    } else if (c === '!') {
      err(i, '"!" is not an operator (nmstate has ==, := and |; fleetnet adds =~)');
    } else {
      let j = i;
      while (j < text.length && !WORD_END.has(text[j]!)) j++;
      const word = text.slice(i, j);
      if (word.includes('.')) out.push({ t: 'path', path: word.split('.'), pos: i });
      else if (word.toLowerCase() === 'null') out.push({ t: 'null', pos: i });
      else out.push({ t: 'value', value: word, quoted: false, pos: i });
      i = j;
    }
  }
  return out;
}

export function pathRef(path: string[], pos: number): PathRef {
  const offsets: number[] = [];
  let at = pos;
  for (const seg of path) {
    offsets.push(at);
    at += seg.length + 1;
  }
  return { path, offsets };
}

/** The part of a path after `capture.NAME.`, with its offsets. */
const after = (ref: PathRef, n: number): PathRef => ({ path: ref.path.slice(n), offsets: ref.offsets.slice(n) });

function checkPath(name: string, text: string, ref: PathRef) {
  ref.path.forEach((seg, i) => {
    if (seg === '') fail(name, text, ref.offsets[i]!, 'empty segment in a property path (two dots, or a dot at an end)');
  });
}

function parseValue(name: string, text: string, tokens: Token[], opTok: Token & { t: 'op' }): CaptureValue {
  if (tokens.length !== 1) {
    return fail(name, text, tokens[1]?.pos ?? opTok.pos, `${opTok.op} takes exactly one value or property path after it${tokens.length ? '' : ', got nothing'}`);
  }
  const v = tokens[0]!;
  if (opTok.op === '=~') {
    if (v.t !== 'value') return fail(name, text, v.pos, '=~ takes a quoted regular expression');
    // The controller evaluates these for every host: no pattern that can backtrack for ever.
    if (v.value.length > MAX_REGEX_LENGTH) return fail(name, text, v.pos, `a regular expression of at most ${MAX_REGEX_LENGTH} characters`);
    if (NESTED_QUANTIFIER.test(v.value) || /\\[1-9]/.test(v.value)) {
      return fail(name, text, v.pos, 'no nested quantifiers such as (a+)+ and no backreferences: they can make matching take exponential time');
    }
    try {
      return { kind: 'regex', source: v.value, regex: new RegExp(v.value), pos: v.pos };
    } catch (e) {
      return fail(name, text, v.pos, `not a valid regular expression: ${(e as Error).message}`);
    }
  }
  if (v.t === 'null') return { kind: 'null', pos: v.pos };
  if (v.t === 'value') {
    // `:= true` and `:= 1500` set typed values; quoted text stays text (nmstate makes all of them strings and
    // lets its typed deserializer convert them back; a quoted "1500" is still converted where a number stands).
    const typed = !v.quoted && opTok.op === ':=' ? (/^(true|false)$/.test(v.value) ? v.value === 'true' : /^-?\d+$/.test(v.value) ? Number(v.value) : v.value) : v.value;
    return { kind: 'literal', value: typed, pos: v.pos };
  }
  if (v.t === 'path') {
    const ref = pathRef(v.path, v.pos);
    checkPath(name, text, ref);
    if (v.path[0] === 'capture') {
      if (v.path.length < 3) fail(name, text, v.pos, `a captured value is written capture.NAME.PATH, e.g. capture.default-gw.routes.running.0.next-hop-interface`);
      return { kind: 'path', capture: v.path[1], ref: after(ref, 2), pos: v.pos };
    }
    return { kind: 'path', ref, pos: v.pos };
  }
  return fail(name, text, v.pos, `expected a value or a property path after ${opTok.op}`);
}

export function parseCapture(name: string, expression: string): ParsedCapture {
  const text = expression.replace(/\u00a0/g, ' ').trim();
  const tokens = tokenize(name, text);
  const out: ParsedCapture = { name, text, op: 'copy' };
  let rest = tokens;

  const pipes = tokens.filter((t) => t.t === 'pipe');
  if (pipes.length > 1) fail(name, text, pipes[1]!.pos, 'only one pipe "|" is allowed');
  const pipeAt = tokens.findIndex((t) => t.t === 'pipe');
  if (pipeAt >= 0) {
    const src = tokens.slice(0, pipeAt);
    const s = src[0];
    if (src.length !== 1 || s?.t !== 'path' || s.path.length !== 2 || s.path[0] !== 'capture') {
      fail(name, text, s?.pos ?? tokens[pipeAt]!.pos, 'before a pipe "|" comes exactly capture.NAME');
    }
    out.input = { capture: (s as { path: string[] }).path[1]!, pos: s!.pos + 'capture.'.length };
    rest = tokens.slice(pipeAt + 1);
    if (rest[0]?.t !== 'path') fail(name, text, rest[0]?.pos ?? tokens[pipeAt]!.pos, 'after a pipe "|" comes a property path, e.g. interfaces.state := "down"');
  }

  const ops = rest.filter((t): t is Token & { t: 'op' } => t.t === 'op');
  if (ops.length > 1) fail(name, text, ops[1]!.pos, `only one operator per capture (found ${ops.map((o) => o.op).join(' and ')})`);
  const opTok = ops[0];
  if (!opTok) {
    const first = rest[0];
    if (first?.t !== 'path') return out; // nmstate: the whole input under a new name
    const ref = pathRef(first.path, first.pos);
    checkPath(name, text, ref);
    if (rest.length > 1) fail(name, text, rest[1]!.pos, 'unexpected text after the property path (missing ==, =~ or := ?)');
    // `capture.x.path` alone (no pipe) means the same as `capture.x | path` (nmstate would keep a key named "capture").
    if (!out.input && first.path[0] === 'capture' && first.path.length >= 2) {
      out.input = { capture: first.path[1]!, pos: first.pos + 'capture.'.length };
      if (first.path.length === 2) return out;
      return { ...out, op: 'retain', key: after(ref, 2) };
    }
    return { ...out, op: 'retain', key: ref };
  }

  const opIndex = rest.indexOf(opTok);
  const keyToks = rest.slice(0, opIndex);
  const k = keyToks[0];
  if (keyToks.length !== 1 || k?.t !== 'path') {
    fail(name, text, k?.pos ?? opTok.pos, `${opTok.op} needs one property path before it, e.g. interfaces.name == "eth0"`);
  }
  const keyTok = k as Token & { t: 'path' };
  let key = pathRef(keyTok.path, keyTok.pos);
  checkPath(name, text, key);
  if (keyTok.path[0] === 'capture') {
    if (keyTok.path.length <= 2) fail(name, text, keyTok.pos, 'no property path after the capture name, e.g. capture.eths.interfaces.state == "up"');
    if (out.input) fail(name, text, keyTok.pos, 'a capture is read either through a pipe or by its path, not both');
    out.input = { capture: keyTok.path[1]!, pos: keyTok.pos + 'capture.'.length };
    key = after(key, 2);
  }
  return { ...out, op: opTok.op, key, value: parseValue(name, text, rest.slice(opIndex + 1), opTok) };
}
