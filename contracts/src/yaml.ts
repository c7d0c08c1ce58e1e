import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { UNKNOWN_FIELD, formatPath, type ValidationError } from './validate.ts';
import { validatePolicy, validateNetworkState } from './semantic.ts';
import type { HostNetworkPolicy } from './policy.ts';
import type { NetworkState } from './state.ts';
import { checkValue, DEFAULT_BOUNDS } from './bounds.ts';

/** An error anchored in a file, printed as `file:line:col: path: message` (the netplan habit). */
export interface SourceError {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
  /** which document of a multi-document file, from 0 */
  document: number;
}

export const formatSourceError = (e: SourceError) =>
  `${e.file}:${e.line}:${e.col}: ${e.path ? `${e.path}: ` : ''}${e.message}`;

export interface SourceDocument {
  value: unknown;
  index: number;
  /**
   * Position of a path in this document, for errors found after parsing: the value when the path
   * exists (its key when `at` is 'key' or the value is a block mapping/list), the parent's key when
   * the last part is missing (a required field).
   */
  locate(segments: readonly (string | number)[], at?: 'key' | 'value'): { line: number; col: number };
}

function locator(doc: Document, lc: LineCounter) {
  return (segments: readonly (string | number)[], at: 'key' | 'value' = 'value') => {
    const pos = (n: Node | null | undefined, fallback: number) => {
      const p = lc.linePos(n?.range?.[0] ?? fallback);
      return { line: p.line, col: p.col };
    };
    let node = doc.contents as Node | null;
    // The key through which `node` was reached; undefined for the document root and list items.
    let key: Node | undefined;
    const docStart = node?.range?.[0] ?? 0;
    for (const seg of segments) {
      let next: { key?: Node; value: Node | null } | undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (pair) next = { key: pair.key as Node, value: pair.value as Node | null };
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        next = { value: node.items[seg] as Node };
      }
      // Missing (or the document is shallower than the path): the parent, by its key when it has one.
      if (!next) return pos(key ?? node, docStart);
      key = next.key;
      node = next.value;
    }
    // `key:` with nothing after it is an empty scalar whose position is the end of the line: use the key.
    const empty = node === null || (isScalar(node) && !!node.range && node.range[0] === node.range[1]);
    if (key && (at === 'key' || empty || ((isMap(node) || isSeq(node)) && !node.flow))) return pos(key, docStart);
    return pos(node ?? key, docStart);
  };
}

/**
 * How many alias expansions one document may make. The yaml package's default (100) refuses files
 * with 150 ordinary `*anchor` uses; this allows thousands, while a "billion laughs" document, whose
 * nested aliases multiply, still exceeds it after a few levels.
 */
export const MAX_YAML_ALIASES = 10_000;

/** Indentation columns plus compact "- " plus open brackets a line may reach before the parser is not asked. */
export const MAX_YAML_NESTING = 256;

/**
 * The first line (1-based) whose nesting could exceed MAX_YAML_NESTING, in one pass without
 * parsing: its indentation, the compact "- " markers that open it, and the flow brackets open
 * bound how deep the parser would recurse there.
 */
function deepLine(text: string): number | undefined {
  let brackets = 0;
  let line = 1;
  let i = 0;
  while (i < text.length) {
    let level = 0;
    // plain increments: this loop runs cold in every CLI process (interpreted), once per character
    while (text[i] === ' ') {
      level++;
      i++;
    }
    while (text[i] === '-' && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
      level += 2;
      i += 2;
    }
    let quote = '';
    for (; i < text.length && text[i] !== '\n'; i++) {
      const c = text[i]!;
      // Openings count even inside what looks quoted (an apostrophe in a plain scalar is no quote),
      // closings only outside: an error here refuses an odd file, never lets a deep one through.
      if (c === '[' || c === '{') brackets++;
      else if (quote) {
        if (c === quote) quote = '';
        else if (c === '\\' && quote === '"') i++;
      } else if (c === '"' || c === "'") quote = c;
      else if ((c === ']' || c === '}') && brackets > 0) brackets--;
      if (level + brackets > MAX_YAML_NESTING) return line;
    }
    if (level + brackets > MAX_YAML_NESTING) return line;
    i++;
    line++;
  }
  return undefined;
}

/**
 * Parses YAML (JSON is YAML) with every document of a multi-document file. Syntax errors come back
 * with their position; an empty document (a trailing `---`) is skipped.
 */
export function parseYamlDocuments(text: string, file: string): { documents: SourceDocument[]; errors: SourceError[] } {
  const lc = new LineCounter();
  // The parser recurses per level and overflows the stack near 900; after an overflow the process
  // is not safe to parse again (a later parse ran out of memory). Refuse such text before it starts.
  const deep = deepLine(text);
  if (deep !== undefined) {
    return { documents: [], errors: [{ file, line: deep, col: 1, path: '', message: `indented or nested too deeply to read: more than ${MAX_YAML_NESTING} levels of indentation, "- " or brackets (a document may be at most ${DEFAULT_BOUNDS.maxDepth} levels deep)`, document: 0 }] };
  }
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const errors: SourceError[] = [];
  const documents: SourceDocument[] = [];
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, index) => {
    for (const e of doc.errors) {
      const { offset, message } = syntaxError(text, e.code, e.message, e.pos[0]);
      const pos = lc.linePos(offset);
      errors.push({ file, line: pos.line, col: pos.col, path: '', message, document: index });
    }
    if (doc.errors.length) return;
    if (doc.contents === null) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (e) {
      // The parser's own message ("resource exhaustion attack") accuses an ordinary file; say what the limit is.
      if (!(e instanceof ReferenceError)) throw e;
      const pos = lc.linePos(doc.contents.range?.[0] ?? 0);
      const message = /alias/i.test(e.message)
        ? `too many YAML alias expansions: more than ${MAX_YAML_ALIASES} (nested aliases count once per level they expand); expand some by hand or split the document`
        : `YAML alias error: ${e.message}`;
      errors.push({ file, line: pos.line, col: pos.col, path: '', message, document: index });
      return;
    }
    // Validation walks the document recursively: bound it first (depth, entries per list or mapping).
    const tooBig = checkValue(value, DEFAULT_BOUNDS);
    if (tooBig) {
      const pos = lc.linePos(doc.contents.range?.[0] ?? 0);
      errors.push({ file, line: pos.line, col: pos.col, path: tooBig.path, message: tooBig.message, document: index });
      return;
    }
    documents.push({ value, index, locate: locator(doc, lc) });
  });
  return { documents, errors };
}

/** Where the opening quote of a string that runs to `end` is: the last unescaped quote before it. */
function openingQuote(text: string, end: number, quote: string): number | undefined {
  for (let i = Math.min(end, text.length) - 1; i >= 0; i--) {
    if (text[i] !== quote) continue;
    if (quote === '"' && text[i - 1] === '\\') continue;
    if (quote === "'" && (text[i - 1] === "'" || text[i + 1] === "'")) continue;
    return i;
  }
  return undefined;
}

function syntaxError(text: string, code: string, message: string, offset: number): { offset: number; message: string } {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (/Maximum call stack/i.test(first)) {
    return { offset, message: `nested too deeply to read: a document may be at most ${DEFAULT_BOUNDS.maxDepth} levels deep` };
  }
  if (code === 'TAB_AS_INDENT' || /tab/i.test(first)) return { offset, message: 'tabs are not allowed for indentation in YAML; use spaces' };
  if (code === 'DUPLICATE_KEY') {
    const key = /^[^:\n]*/.exec(text.slice(offset))![0].trim();
    return { offset, message: `duplicate key ${JSON.stringify(key)}: a key may appear only once in a mapping` };
  }
  const quote = code === 'MISSING_CHAR' ? /closing (["'])quote/.exec(first)?.[1] : undefined;
  if (quote) {
    // The parser notices at the end of the file; the string starts where the quote was opened.
    const open = openingQuote(text, offset, quote);
    return { offset: open ?? offset, message: `unclosed ${quote} quote: the string that starts here never ends` };
  }
  const flow = /^Flow (map|sequence)/.exec(first)?.[1];
  if (flow) {
    const [open, close] = flow === 'map' ? ['{', '}'] : ['[', ']'];
    const at = openingBracket(text, offset, open, close);
    if (at !== undefined) return { offset: at, message: `unclosed "${open}": a flow ${flow === 'map' ? 'mapping' : 'list'} must end with "${close}"` };
  }
  return { offset, message: `YAML syntax error: ${first}` };
}

/** The last bracket before `end` that no later bracket closes (quoted text is not special-cased). */
function openingBracket(text: string, end: number, open: string, close: string): number | undefined {
  let depth = 0;
  for (let i = Math.min(end, text.length) - 1; i >= 0; i--) {
    if (text[i] === close) depth++;
    else if (text[i] === open && depth-- === 0) return i;
  }
  return undefined;
}

/** Errors of one document in the order of the file, as a person reads it top to bottom. */
const anchor = (file: string, doc: SourceDocument, errors: ValidationError[]): SourceError[] =>
  errors
    .map((e) => ({
      file,
      ...doc.locate(e.segments, e.message.startsWith(UNKNOWN_FIELD) ? 'key' : 'value'),
      path: e.path,
      message: e.message,
      document: doc.index,
    }))
    .sort((a, b) => a.line - b.line || a.col - b.col);

export interface LoadedPolicies {
  policies: { policy: HostNetworkPolicy; document: number }[];
  errors: SourceError[];
}

/** Every policy in a file, or every error in it with `file:line:col`. */
export function loadPolicies(text: string, file: string): LoadedPolicies {
  const { documents, errors } = parseYamlDocuments(text, file);
  const policies: LoadedPolicies['policies'] = [];
  if (!documents.length && !errors.length) {
    errors.push({ file, line: 1, col: 1, path: '', message: 'no policy document in file', document: 0 });
  }
  for (const doc of documents) {
    const r = validatePolicy(doc.value);
    if (r.ok) policies.push({ policy: r.value, document: doc.index });
    else errors.push(...anchor(file, doc, r.errors));
  }
  const seen = new Map<string, number>();
  for (const { policy, document } of policies) {
    const name = policy.metadata.name;
    if (seen.has(name)) {
      const doc = documents.find((d) => d.index === document)!;
      errors.push({ file, ...doc.locate(['metadata', 'name']), path: 'metadata.name', message: `policy "${name}" is defined twice (also in document ${seen.get(name)! + 1})`, document });
    }
    seen.set(name, document);
  }
  return { policies, errors };
}

/** One desired network state (a plain nmstate-style document), as `fleetnet-agent apply -f` reads it. */
export function loadNetworkState(text: string, file: string): { state?: NetworkState; errors: SourceError[] } {
  const { documents, errors } = parseYamlDocuments(text, file);
  if (errors.length) return { errors };
  if (documents.length !== 1) {
    return { errors: [{ file, line: 1, col: 1, path: '', message: `expected exactly one document, found ${documents.length}`, document: 0 }] };
  }
  const doc = documents[0]!;
  const r = validateNetworkState(doc.value);
  return r.ok ? { state: r.value, errors: [] } : { errors: anchor(file, doc, r.errors) };
}

export { formatPath };
