import { formatSourceError, parseYamlDocuments, validatePool, type AddressPool } from '@fleetnet/contracts';

export interface PoolLoad {
  pools: { pool: AddressPool; document: number }[];
  /** `file:line:col: path: message` */
  errors: string[];
}

const isPoolDoc = (v: unknown) => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'AddressPool';

/**
 * A file of `kind: AddressPool` documents, for `fleetnet apply`: undefined when the file holds none
 * (the caller reads it as policies). Pools live in their own files: a file mixing pools and policies
 * is refused with the documents named.
 */
export function loadPoolText(text: string, file: string): PoolLoad | undefined {
  const { documents, errors } = parseYamlDocuments(text, file);
  if (!documents.some((d) => isPoolDoc(d.value))) return undefined;
  const out: PoolLoad = { pools: [], errors: errors.map(formatSourceError) };
  for (const doc of documents) {
    if (!isPoolDoc(doc.value)) {
      const pos = doc.locate([], 'value');
      out.errors.push(formatSourceError({ file, ...pos, path: 'kind', message: 'a file with AddressPool documents holds only AddressPools: put policies in a file of their own', document: doc.index }));
      continue;
    }
    const v = validatePool(doc.value);
    if (!v.ok) {
      for (const e of v.errors) out.errors.push(formatSourceError({ file, ...doc.locate(e.segments, 'value'), path: e.path, message: e.message, document: doc.index }));
      continue;
    }
    out.pools.push({ pool: v.pool, document: doc.index });
  }
  return out;
}
