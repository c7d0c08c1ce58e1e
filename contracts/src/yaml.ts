import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { formatPath, type ValidationError } from './validate.ts';
import { validatePolicy, validateNetworkState } from './semantic.ts';
import type { HostNetworkPolicy } from './policy.ts';
import type { NetworkState } from './state.ts';

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
  /** position of a path in this document, for errors found after parsing */
  locate(segments: readonly (string | number)[]): { line: number; col: number };
}

function locator(doc: Document, lc: LineCounter) {
  return (segments: readonly (string | number)[]) => {
    let node: unknown = doc.contents;
    let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
    for (const seg of segments) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        // Point at the key: "unknown field" and "is required" read best there.
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
        if (seg === segments[segments.length - 1]) break;
        offset = (node as Node | null)?.range?.[0] ?? offset;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
        node = node.items[seg];
        offset = (node as Node).range?.[0] ?? offset;
      } else break;
    }
    const pos = lc.linePos(offset);
    return { line: pos.line, col: pos.col };
  };
}

/**
 * Parses YAML (JSON is YAML) with every document of a multi-document file. Syntax errors come back
 * with their position; an empty document (a trailing `---`) is skipped.
 */
export function parseYamlDocuments(text: string, file: string): { documents: SourceDocument[]; errors: SourceError[] } {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const errors: SourceError[] = [];
  const documents: SourceDocument[] = [];
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, index) => {
    for (const e of doc.errors) {
      const pos = lc.linePos(e.pos[0]);
      errors.push({ file, line: pos.line, col: pos.col, path: '', message: syntaxMessage(e.code, e.message), document: index });
    }
    if (doc.errors.length) return;
    if (doc.contents === null) return;
    documents.push({ value: doc.toJS({ maxAliasCount: 100 }), index, locate: locator(doc, lc) });
  });
  return { documents, errors };
}

function syntaxMessage(code: string, message: string): string {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'TAB_AS_INDENT' || /tab/i.test(first)) return `tabs are not allowed for indentation in YAML; use spaces (${first})`;
  if (code === 'DUPLICATE_KEY') return `duplicate key: ${first}`;
  return `YAML syntax error: ${first}`;
}

const anchor = (file: string, doc: SourceDocument, errors: ValidationError[]): SourceError[] =>
  errors.map((e) => ({ file, ...doc.locate(e.segments), path: e.path, message: e.message, document: doc.index }));

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
