import { readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicies, formatSourceError, type HostNetworkPolicy } from '@fleetnet/contracts';
import { CliError, ExitCode } from './exit-codes.ts';
import { loadNncpText } from './convert/nncp-load.ts';
import { loadPoolText } from './pool-load.ts';

export interface LoadedPolicy {
  policy: HostNetworkPolicy;
  file: string;
  document: number;
}

export interface LoadResult {
  policies: LoadedPolicy[];
  /** `file:line:col: path: message` for every problem, in file order */
  errors: string[];
  /** one line per file read in another format and converted (kubernetes-nmstate NNCP) */
  notes: string[];
  /** `kind: AddressPool` documents (files of their own) */
  pools?: { pool: import('@fleetnet/contracts').AddressPool; file: string; document: number }[];
}

const POLICY_FILE = /\.(ya?ml|json)$/i;

/**
 * The largest policy file (or stdin) read. A policy travels as one NATS message (1 MB by default),
 * so a bigger file is a mistake or an attack; parsing 50 MB of YAML took 46 s and 3.5 GB.
 */
export const MAX_POLICY_FILE_BYTES = 2 * 1024 * 1024;
const tooBig = (name: string, size?: number) =>
  `${name}: ${size === undefined ? '' : `${size} bytes, `}more than the limit of ${MAX_POLICY_FILE_BYTES} bytes (2 MiB) for a policy file; split it into several files`;

class TooBig extends Error {}

/** stdin up to the limit: a pipe has no size to stat, so read one byte past it and stop. */
function readStdinBounded(): string {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.alloc(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((e as NodeJS.ErrnoException).code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_POLICY_FILE_BYTES) throw new TooBig();
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The files behind `-f`: a file as given, a directory's YAML/JSON files in name order, `-` for stdin. */
function expand(source: string): { files: string[]; errors: string[] } {
  if (source === '-') return { files: ['-'], errors: [] };
  let st;
  try {
    st = statSync(source);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { files: [], errors: [`${source}: ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`] };
  }
  if (!st.isDirectory()) return { files: [source], errors: [] };
  const files = readdirSync(source).filter((f) => POLICY_FILE.test(f)).sort().map((f) => join(source, f));
  return files.length ? { files, errors: [] } : { files: [], errors: [`${source}: directory holds no .yaml, .yml or .json file`] };
}

/**
 * Reads and validates every policy of every source. Nothing is returned as loadable unless all of it is:
 * a pipeline that applies half a change set is worse than one that applies none.
 */
export function loadSources(sources: readonly string[], readStdin: () => string = readStdinBounded): LoadResult {
  const policies: LoadedPolicy[] = [];
  const errors: string[] = [];
  const notes: string[] = [];
  const pools: NonNullable<LoadResult['pools']> = [];
  for (const source of sources) {
    const ex = expand(source);
    errors.push(...ex.errors);
    for (const file of ex.files) {
      const name = file === '-' ? '<stdin>' : file;
      let text: string;
      try {
        const size = file === '-' ? 0 : statSync(file).size;
        if (size > MAX_POLICY_FILE_BYTES) throw new TooBig(tooBig(name, size));
        text = file === '-' ? readStdin() : readFileSync(file, 'utf8');
        if (Buffer.byteLength(text) > MAX_POLICY_FILE_BYTES) throw new TooBig(tooBig(name, Buffer.byteLength(text)));
      } catch (e) {
        errors.push(e instanceof TooBig ? e.message || tooBig(name) : `${name}: cannot read: ${(e as Error).message}`);
        continue;
      }
      const poolFile = loadPoolText(text, name);
      if (poolFile) {
        errors.push(...poolFile.errors);
        pools.push(...poolFile.pools.map((p) => ({ ...p, file: name })));
        continue;
      }
      const nncp = loadNncpText(text, name);
      if (nncp) {
        const n = nncp.notes.length;
        if (nncp.policies.length) notes.push(`${name}: kubernetes-nmstate NodeNetworkConfigurationPolicy converted to HostNetworkPolicy on the fly${n ? ` (${n} note${n === 1 ? '' : 's'}: fleetnet convert --from nncp ${name})` : ''}`);
        errors.push(...nncp.errors);
        policies.push(...nncp.policies.map((p) => ({ policy: p.policy, file: name, document: p.document })));
        continue;
      }
      const r = loadPolicies(text, name);
      // One YAML mistake can be reported twice by the parser (e.g. two unclosed brackets on one spot).
      for (const line of r.errors.map(formatSourceError)) if (!errors.includes(line)) errors.push(line);
      policies.push(...r.policies.map((p) => ({ policy: p.policy, file: name, document: p.document })));
    }
  }
  // The same name in two files would silently let the later one win.
  const first = new Map<string, LoadedPolicy>();
  for (const p of policies) {
    const prev = first.get(p.policy.metadata.name);
    if (prev && prev.file !== p.file) {
      errors.push(`${p.file}: metadata.name: policy "${p.policy.metadata.name}" is also defined in ${prev.file}`);
    } else if (!prev) first.set(p.policy.metadata.name, p);
  }
  return { policies, errors, notes, pools };
}

/** Loads or exits 2 with every error, before anything is published. */
export function loadOrFail(
  sources: readonly string[], readStdin?: () => string, onNote?: (line: string) => void,
  onPools?: (pools: NonNullable<LoadResult['pools']>) => void,
): LoadedPolicy[] {
  if (!sources.length) throw new CliError('no input: give -f FILE, -f DIR or -f -', ExitCode.invalid);
  const r = loadSources(sources, readStdin);
  if (r.pools?.length && !onPools) r.errors.push(...r.pools.map((p) => `${p.file}: AddressPool "${p.pool.metadata.name}": only fleetnet apply takes pools`));
  if (r.pools?.length && onPools && !r.errors.length) onPools(r.pools);
  for (const n of r.notes) onNote?.(n);
  if (r.errors.length) {
    const n = r.errors.length;
    throw new CliError(`${n} error${n === 1 ? '' : 's'} in the input; nothing was published`, ExitCode.invalid, [], r.errors);
  }
  return r.policies;
}
