/**
 * `fleetnet render`: offline, what desired state a host with a given current state would get from one
 * policy (a HostNetworkPolicy, or an nmstate policy file as `nmstatectl policy` takes it). The same
 * renderer the controller uses (contracts/src/render), so what this prints is what the host would get.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import {
  POLICY_API_VERSION,
  Facts,
  Labels,
  UNKNOWN_FIELD,
  formatPath,
  formatSourceError,
  ipFamily,
  matchesSelector,
  parseYamlDocuments,
  policyRenderErrors,
  renderPolicy,
  schemaErrors,
  validatePolicy,
  type HostNetworkPolicy,
  type PoolAddress,
  type RenderError,
  type RenderHost,
  type RenderSource,
  type SourceDocument,
  type ValidationError,
} from '@fleetnet/contracts';
import { examples, type Ctx } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';

interface RenderOpts {
  file: string;
  current?: string;
  host?: string;
  labels?: string;
  facts?: string;
  pool: string[];
  output: string;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${what} ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, ExitCode.invalid);
  }
}

/** The one YAML/JSON document of a file, or exit 2 with file:line:col. */
function oneDocument(file: string, what: string): { doc: SourceDocument; name: string; text: string } {
  const name = file === '-' ? '<stdin>' : file;
  const text = readText(file, what);
  const { documents, errors } = parseYamlDocuments(text, name);
  if (errors.length) throw new CliError(`${name} is not valid YAML`, ExitCode.invalid, [], errors.map(formatSourceError));
  if (documents.length !== 1) throw new CliError(`${name}: ${what} must be one document, found ${documents.length}`, ExitCode.invalid);
  return { doc: documents[0]!, name, text };
}

/** `file:line:col: path: message`, the column moved onto the failing part of a one-line expression. */
function located(file: string, text: string, doc: SourceDocument, e: Pick<RenderError, 'segments' | 'path' | 'message' | 'expression' | 'position'>): string {
  let { line, col } = doc.locate(e.segments, e.message.startsWith(UNKNOWN_FIELD) ? 'key' : 'value');
  const where = e.expression !== undefined && e.position !== undefined ? ` (column ${e.position + 1} of ${JSON.stringify(e.expression)})` : '';
  if (e.expression !== undefined && e.position !== undefined) {
    const src = text.split('\n')[line - 1] ?? '';
    const at = src.indexOf(e.expression, col - 1);
    // Only when the expression sits on that line as written (not folded over lines, not escaped).
    if (at >= 0 && at <= col) col = at + 1 + e.position;
  }
  return `${file}:${line}:${col}: ${e.path ? `${e.path}: ` : ''}${e.message}${where}`;
}

type Located = Pick<RenderError, 'segments' | 'path' | 'message' | 'expression' | 'position'>;

/**
 * validatePolicy's errors with the structured capture/template errors in place of their folded
 * messages (so the column can point inside the expression), plus the capture/template errors it did
 * not get to because the schema failed first: one run shows everything.
 */
function withPrecise(errors: readonly ValidationError[], precise: readonly RenderError[]): Located[] {
  const out: Located[] = errors.map((e) => precise.find((p) => p.path === e.path && e.message.startsWith(p.message)) ?? e);
  return [...out, ...precise.filter((p) => !errors.some((e) => e.path === p.path))];
}

// nmstate's NetworkPolicy: `desired` is its alias of desiredState, `current` the state to capture from.
const NMSTATE_KEYS = new Set(['capture', 'desiredState', 'desired', 'current']);

/** A HostNetworkPolicy, or nmstate's policy file: capture + desiredState (or nmstate's alias desired). */
function loadPolicy(file: string): { policy: HostNetworkPolicy | RenderSource; doc: SourceDocument; name: string; text: string; current?: unknown } {
  const { doc, name, text } = oneDocument(file, 'the policy');
  const value = doc.value as Record<string, unknown>;
  const fail = (errors: Located[]) => {
    const inFileOrder = [...errors].sort((a, b) => doc.locate(a.segments).line - doc.locate(b.segments).line);
    throw new CliError(`${errors.length} error${errors.length === 1 ? '' : 's'} in ${name}`, ExitCode.invalid, [], inFileOrder.map((e) => located(name, text, doc, e)));
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail([{ segments: [], path: '', message: 'expected a HostNetworkPolicy or an nmstate policy (capture + desiredState)' }]) as never;
  }
  if ('kind' in value || 'apiVersion' in value) {
    const v = validatePolicy(value);
    if (!v.ok) {
      // validatePolicy folds a capture/template error's column into its message; take the structured
      // error instead, so the file column can point inside the expression.
      const spec = (value as { spec?: unknown }).spec;
      const precise = typeof spec === 'object' && spec !== null ? policyRenderErrors(spec as RenderSource, ['spec']) : [];
      fail(withPrecise(v.errors, precise));
    }
    return { policy: value as unknown as HostNetworkPolicy, doc, name, text };
  }
  const errors: ValidationError[] = Object.keys(value)
    .filter((k) => !NMSTATE_KEYS.has(k))
    .map((k) => ({ segments: [k], path: formatPath([k]), message: `unknown field "${k}" (an nmstate policy has capture, desiredState and current; a fleetnet policy has kind: HostNetworkPolicy)` }));
  const stateKey = 'desiredState' in value ? 'desiredState' : 'desired';
  const source: RenderSource = { capture: value.capture as Record<string, string> | undefined, desiredState: value[stateKey] ?? {} };
  // The same intake rules as a HostNetworkPolicy: the nmstate file is checked as the spec of one.
  const spec = { ...(source.capture !== undefined ? { capture: source.capture } : {}), desiredState: source.desiredState };
  const v = validatePolicy({ apiVersion: POLICY_API_VERSION, kind: 'HostNetworkPolicy', metadata: { name: 'nmstate-policy' }, spec });
  if (!v.ok) {
    const precise = policyRenderErrors(spec, ['spec']);
    const top = (e: Located) => {
      const segs = [e.segments[1] === 'desiredState' ? stateKey : e.segments[1]!, ...e.segments.slice(2)];
      return { ...e, segments: segs, path: formatPath(segs) };
    };
    errors.push(...withPrecise(v.errors, precise).map(top));
  }
  if (errors.length) fail(errors);
  return { policy: source, doc, name, text, current: value.current };
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of text.split(',').filter((p) => p.trim())) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new CliError(`--labels: "${part}" is not KEY=VALUE`, ExitCode.invalid);
    labels[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const errors = schemaErrors(Labels, labels);
  if (errors.length) throw new CliError('--labels is invalid', ExitCode.invalid, errors.map((e) => `  ${e.message}`));
  return labels;
}

/** `NAME=IP/PREFIX[,gw=IP]`: the address pool NAME gave this host (the controller allocates it for real). */
export function parsePool(text: string): [string, PoolAddress] {
  const m = /^([A-Za-z0-9_-]+)=([^/,]+)\/(\d{1,3})(?:,gw=([^,]+))?$/.exec(text.trim());
  if (!m) throw new CliError(`--pool "${text}": expected NAME=IP/PREFIX[,gw=IP], e.g. storage=10.20.0.17/24,gw=10.20.0.1`, ExitCode.invalid);
  const [, name, ip, prefix, gw] = m;
  const fam = ipFamily(ip!);
  if (!fam) throw new CliError(`--pool ${name}: "${ip}" is not an IP address`, ExitCode.invalid);
  if (Number(prefix) > (fam === 4 ? 32 : 128)) throw new CliError(`--pool ${name}: prefix length ${prefix} is too long for IPv${fam}`, ExitCode.invalid);
  if (gw !== undefined && ipFamily(gw) !== fam) throw new CliError(`--pool ${name}: gateway "${gw}" is not an IPv${fam} address`, ExitCode.invalid);
  return [name!, { ip: ip!, 'prefix-length': Number(prefix), ...(gw !== undefined ? { gateway: gw } : {}) }];
}

/** What `fleetnet get host NAME -o json` prints: the host's view, with its actual state, labels and facts. */
interface HostViewLike {
  name: string;
  labels?: Record<string, string>;
  facts?: RenderHost['facts'];
  actual?: unknown;
}
const isHostView = (v: Record<string, unknown>): boolean => typeof v.name === 'string' && 'phase' in v && 'desiredVersion' in v;

/** The current state: a state document (agent's or nmstate's), or a host view whose `actual` it is. */
function loadCurrent(file: string): { state: unknown; view?: HostViewLike } {
  const c = oneDocument(file, 'the current state');
  const v = c.doc.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new CliError(`${c.name}: the current state must be a mapping (interfaces, routes, dns-resolver) or a host view (fleetnet get host NAME -o json)`, ExitCode.invalid);
  }
  const rec = v as Record<string, unknown>;
  if (!isHostView(rec)) return { state: rec };
  if (rec.actual === undefined) throw new CliError(`${c.name}: host ${String(rec.name)} has not reported its state yet (no actual)`, ExitCode.invalid);
  return { state: rec.actual, view: rec as unknown as HostViewLike };
}

/** The host: from --host/--labels/--facts, each defaulting to the host view's when --current is one. */
function loadHost(opts: RenderOpts, view?: HostViewLike): RenderHost | undefined {
  const name = opts.host ?? view?.name;
  if (name === undefined) {
    if (opts.labels !== undefined || opts.facts !== undefined) throw new CliError('--labels and --facts describe a host: give --host NAME too', ExitCode.invalid);
    return undefined;
  }
  const host: RenderHost = { name, labels: opts.labels !== undefined ? parseLabels(opts.labels) : { ...(view?.labels ?? {}) } };
  if (opts.facts !== undefined) {
    const { doc, name: file } = oneDocument(opts.facts, 'the facts');
    const errors = schemaErrors(Facts, doc.value);
    if (errors.length) {
      throw new CliError(`${errors.length} error${errors.length === 1 ? '' : 's'} in ${file}`, ExitCode.invalid, [], errors.map((e) => formatSourceError({ file, ...doc.locate(e.segments), path: e.path, message: e.message, document: 0 })));
    }
    host.facts = doc.value as RenderHost['facts'];
  } else if (view?.facts) host.facts = view.facts;
  return host;
}

export function registerRender(program: Command, ctx: Ctx) {
  program
    .command('render')
    .description('offline: print the desired state a host with the given current state would get from one policy (captures, {{ }} templates, pool addresses)')
    .requiredOption('-f, --file <policy>', 'a HostNetworkPolicy, or an nmstate policy file (capture + desiredState); - for stdin')
    .option('--current <file>', "the host's current state: `fleetnet-agent show -o yaml`, nmstate's, or `fleetnet get host NAME -o json` (then --host, --labels and --facts default to that host's); needed when the policy has captures, unless an nmstate policy carries current:")
    .option('--host <name>', 'the host name, for {{ host.name }} and --labels/--facts')
    .option('--labels <k=v,...>', 'the host labels, for {{ host.labels.KEY }} and to check the policy selects the host')
    .option('--facts <file>', "the host's facts (NIC inventory), for {{ host.facts.PATH }}")
    .option('--pool <NAME=IP/PREFIX[,gw=IP]>', 'the address pool NAME gives this host (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('-o, --output <format>', 'yaml|json', 'yaml')
    .addHelpText('after', examples(
      'fleetnet render -f bridge-on-gateway.yaml --current node1-state.yaml',
      'fleetnet render -f storage.yaml --current cur.yaml --host node7 --labels role=storage,rack=r3 --pool storage=10.20.0.17/24,gw=10.20.0.1',
      'fleetnet-agent show -o yaml > cur.yaml && fleetnet render -f nmstate-policy.yml --current cur.yaml -o json',
      'fleetnet get host node7 -o json > node7.json && fleetnet render -f storage.yaml --current node7.json --pool storage=10.20.0.17/24',
    ) + '\nExit codes: 0 rendered; 1 this host would fail (CaptureFailed, a missing pool address or label, an invalid result); 2 invalid input.\n')
    .action((opts: RenderOpts) => {
      if (!['yaml', 'json'].includes(opts.output)) throw new CliError(`render prints yaml or json, not "${opts.output}"`, ExitCode.invalid);
      const { policy, doc, name, text, current: inFile } = loadPolicy(opts.file);
      const loaded = opts.current !== undefined ? loadCurrent(opts.current) : undefined;
      const current = loaded ? loaded.state : inFile;
      const host = loadHost(opts, loaded?.view);
      const pools = Object.fromEntries(opts.pool.map(parsePool));
      const source = 'spec' in policy ? policy.spec : policy;
      if (Object.keys(source.capture ?? {}).length && current === undefined) {
        throw new CliError(`${name} has captures: give the host's current state with --current FILE`, ExitCode.invalid);
      }
      if ('spec' in policy && host?.labels && Object.keys(host.labels).length && !matchesSelector(policy.spec.hostSelector, host.labels)) {
        const labels = Object.entries(host.labels).map(([k, v]) => `${k}=${v}`).join(',');
        ctx.err.write(`warning: policy ${policy.metadata.name} does not select a host with labels ${labels}: such a host gets nothing from it\n`);
      }
      const r = renderPolicy({ policy, current, host, pools });
      if (!r.ok) {
        const n = r.errors.length;
        throw new CliError(`${n === 1 ? r.errors[0]!.kind : `${n} errors`}: ${host ? `host ${host.name}` : 'this host'} would get nothing from ${name}`, ExitCode.failed, [], r.errors.map((e) => located(name, text, doc, e)));
      }
      ctx.out.write(opts.output === 'json' ? `${JSON.stringify(r.state, null, 2)}\n` : stringify(r.state, { lineWidth: 0 }));
    });
}
