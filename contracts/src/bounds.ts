import { formatPath } from './validate.ts';

/**
 * How big and how deep a document on the bus may be. A report nested 5,000 levels deep makes every
 * recursive walker (schema validation, JSON.stringify) overflow the stack, so these are checked
 * without recursion, before anything recursive touches the document.
 */
export interface Bounds {
  /** nesting of arrays and objects; a desired state inside an event envelope is about 8 deep */
  maxDepth: number;
  /** serialized JSON, in UTF-8 bytes */
  maxBytes: number;
  /** entries in any one array or object (results of a sync report, interfaces of a state) */
  maxEntries: number;
}

export const DEFAULT_BOUNDS: Readonly<Bounds> = Object.freeze({
  maxDepth: 64,
  maxBytes: 8 * 1024 * 1024,
  maxEntries: 50_000,
});

/** a cycle is caught as maxDepth; `serializable` is whatever else JSON.stringify throws on (a BigInt) */
export type BoundsLimit = keyof Bounds | 'serializable';

/** Which bound a document broke, where (when known), and a sentence naming the limit. */
export interface BoundsViolation {
  limit: BoundsLimit;
  path: string;
  message: string;
}

const violation = (limit: BoundsLimit, path: string, message: string): BoundsViolation => ({ limit, path, message });

/**
 * Checks JSON text before it is parsed: its size, its nesting depth and the entries per array or
 * object, in one linear scan with no recursion (a stack of counters no deeper than maxDepth).
 * Malformed JSON is not judged here: JSON.parse says what is wrong with it.
 */
export function checkJsonText(text: string, bounds: Bounds = DEFAULT_BOUNDS): BoundsViolation | undefined {
  // UTF-8 takes 1 to 3 bytes per UTF-16 unit: measure exactly only when the length cannot decide.
  if (text.length > bounds.maxBytes || (text.length * 3 > bounds.maxBytes && Buffer.byteLength(text) > bounds.maxBytes)) {
    return violation('maxBytes', '', `document is ${Buffer.byteLength(text)} bytes, more than the limit of ${bounds.maxBytes}`);
  }
  const entries: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (entries.length >= bounds.maxDepth) {
        return violation('maxDepth', '', `document is nested more than ${bounds.maxDepth} levels deep (the limit)`);
      }
      entries.push(0);
    } else if (c === 0x5d || c === 0x7d) entries.pop();
    else if (c === 0x2c && entries.length) {
      const n = ++entries[entries.length - 1]!;
      // n commas separate n + 1 entries
      if (n >= bounds.maxEntries) {
        return violation('maxEntries', '', `a list or mapping in the document has more than ${bounds.maxEntries} entries (the limit)`);
      }
    }
  }
  return undefined;
}

/**
 * Checks an already parsed value: depth and entries per array/object, iteratively, with the path of
 * the first offence. Size is not measured here (see boundedStringify), since that needs serializing.
 */
export function checkValue(value: unknown, bounds: Bounds = DEFAULT_BOUNDS): BoundsViolation | undefined {
  const stack: { v: unknown; depth: number; path: (string | number)[] }[] = [{ v: value, depth: 0, path: [] }];
  while (stack.length) {
    const { v, depth, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= bounds.maxDepth) {
      return violation('maxDepth', formatPath(path), `nested more than ${bounds.maxDepth} levels deep (the limit)`);
    }
    if (Array.isArray(v)) {
      if (v.length > bounds.maxEntries) {
        return violation('maxEntries', formatPath(path), `has ${v.length} entries, more than the limit of ${bounds.maxEntries}`);
      }
      // Paths are built only for containers, and only one per entry: cheap enough for 50,000 entries.
      for (let i = v.length - 1; i >= 0; i--) if (v[i] !== null && typeof v[i] === 'object') stack.push({ v: v[i], depth: depth + 1, path: [...path, i] });
    } else {
      const keys = Object.keys(v);
      if (keys.length > bounds.maxEntries) {
        return violation('maxEntries', formatPath(path), `has ${keys.length} keys, more than the limit of ${bounds.maxEntries}`);
      }
      for (let i = keys.length - 1; i >= 0; i--) {
        const child = (v as Record<string, unknown>)[keys[i]!];
        if (child !== null && typeof child === 'object') stack.push({ v: child, depth: depth + 1, path: [...path, keys[i]!] });
      }
    }
  }
  return undefined;
}

export type Bounded = { ok: true; text: string; bytes: number } | { ok: false; violation: BoundsViolation };

/**
 * JSON.stringify that never throws: depth and entries are checked first (so the recursion inside
 * JSON.stringify cannot overflow), anything else it throws on (a BigInt, a getter) is caught, and the
 * result is measured against maxBytes.
 */
export function boundedStringify(value: unknown, bounds: Bounds = DEFAULT_BOUNDS): Bounded {
  const v = checkValue(value, bounds);
  if (v) return { ok: false, violation: v };
  let text: string;
  try {
    text = JSON.stringify(value) ?? 'null';
  } catch (e) {
    return { ok: false, violation: violation('serializable', '', `cannot be serialized: ${(e as Error)?.message ?? String(e)}`) };
  }
  const bytes = Buffer.byteLength(text);
  if (bytes > bounds.maxBytes) {
    return { ok: false, violation: violation('maxBytes', '', `is ${bytes} bytes serialized, more than the limit of ${bounds.maxBytes}`) };
  }
  return { ok: true, text, bytes };
}

export const formatViolation = (v: BoundsViolation) => `${v.path ? `${v.path}: ` : ''}${v.message}`;

/**
 * What one policy may declare and what one host's compiled desired state may hold. A 10,000
 * interface policy made a state report larger than the bus takes; 2,000 worked. A policy over a
 * limit is refused (by the CLI and at intake); a host whose policies add up to more than a limit
 * gets no new version, and a condition naming the limit.
 */
export const STATE_LIMITS = Object.freeze({
  interfaces: 4096,
  routes: 4096,
  routeRules: 1024,
  /** the serialized desired state, in bytes (a desired event must fit the server's max_payload, 1 MiB by default) */
  bytes: 512 * 1024,
});

interface StateLike {
  interfaces?: unknown[];
  routes?: { config?: unknown[] };
  'route-rules'?: { config?: unknown[] };
}

/** The first limit `state` breaks: the path under the state, and a sentence naming the limit. */
export function checkStateLimits(state: StateLike | undefined, holder: string): { path: string; message: string } | undefined {
  if (!state) return undefined;
  const counts: [string, number, number, string][] = [
    ['interfaces', state.interfaces?.length ?? 0, STATE_LIMITS.interfaces, 'interfaces'],
    ['routes.config', state.routes?.config?.length ?? 0, STATE_LIMITS.routes, 'routes'],
    ['route-rules.config', state['route-rules']?.config?.length ?? 0, STATE_LIMITS.routeRules, 'route rules'],
  ];
  for (const [path, n, max, what] of counts) {
    if (n > max) return { path, message: `${holder} has ${n} ${what}, more than the limit of ${max}` };
  }
  const s = boundedStringify(state);
  const bytes = s.ok ? s.bytes : Infinity;
  if (bytes > STATE_LIMITS.bytes) return { path: '', message: `${holder} is ${s.ok ? bytes : 'more than 8 MiB'} bytes as JSON, more than the limit of ${STATE_LIMITS.bytes}` };
  return undefined;
}
