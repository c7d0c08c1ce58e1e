/**
 * Decoding of `ovs-vsctl --format=json` output. OVSDB encodes values as atoms, `["uuid", id]`,
 * `["set", [...]]` (a one-element set is printed as the bare atom) and `["map", [[k, v], ...]]`.
 */
export type OvsdbValue = unknown;

export interface OvsdbTable {
  headings: string[];
  data: OvsdbValue[][];
}

export type OvsRow = Record<string, OvsdbValue>;

export function rows(table: OvsdbTable): OvsRow[] {
  return table.data.map((r) => Object.fromEntries(table.headings.map((h, i) => [h, r[i]])));
}

const isTagged = (v: unknown, tag: string): v is [string, unknown] =>
  Array.isArray(v) && v.length === 2 && v[0] === tag;

/** Every element of a set column as a list (empty set, bare atom or set). */
export function setOf(v: OvsdbValue): unknown[] {
  if (isTagged(v, 'set')) return (v[1] as unknown[]).map(atom);
  return [atom(v)];
}

/** A uuid or a scalar, unwrapped. */
export function atom(v: OvsdbValue): unknown {
  return isTagged(v, 'uuid') || isTagged(v, 'named-uuid') ? v[1] : v;
}

/** An optional scalar column: an empty set means "not set". */
export function optional<T = unknown>(v: OvsdbValue): T | undefined {
  const all = setOf(v);
  return all.length ? (all[0] as T) : undefined;
}

export function mapOf(v: OvsdbValue): Record<string, string> {
  if (!isTagged(v, 'map')) return {};
  return Object.fromEntries((v[1] as [unknown, unknown][]).map(([k, x]) => [String(atom(k)), String(atom(x))]));
}
