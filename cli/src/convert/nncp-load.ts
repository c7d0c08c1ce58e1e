import { formatSourceError, parseYamlDocuments, UNKNOWN_FIELD, type HostNetworkPolicy } from '@fleetnet/contracts';
import { isNncp, nncpToPolicies } from './nncp.ts';

export interface NncpLoad {
  policies: { policy: HostNetworkPolicy; document: number }[];
  /** `file:line:col: path: message` */
  errors: string[];
  /** what the conversion did differently or left out */
  notes: string[];
}

/**
 * A file of kubernetes-nmstate policies, for `fleetnet apply`: converted on the fly, errors anchored
 * at their line in the NNCP document. Undefined when the file holds no NNCP (the caller reads it
 * as HostNetworkPolicies); a file mixing both kinds is read as NNCP and the others named as such.
 */
export function loadNncpText(text: string, file: string): NncpLoad | undefined {
  const { documents, errors } = parseYamlDocuments(text, file);
  if (!documents.some((d) => isNncp(d.value))) return undefined;
  const out: NncpLoad = { policies: [], errors: errors.map(formatSourceError), notes: [] };
  for (const doc of documents) {
    const r = nncpToPolicies(doc.value);
    const where = documents.length > 1 ? `${file} (document ${doc.index + 1})` : file;
    out.notes.push(...r.notes.map((n) => `${where}: ${n}`));
    for (const e of r.errors) {
      const pos = doc.locate(e.segments, e.message.startsWith(UNKNOWN_FIELD) ? 'key' : 'value');
      out.errors.push(formatSourceError({ file, ...pos, path: e.path, message: e.message, document: doc.index }));
    }
    out.policies.push(...r.policies.map((p) => ({ policy: p.policy, document: doc.index })));
  }
  return out;
}
