import {
  Labels, POLICY_API_VERSION, formatPath, schemaErrors, validatePolicy,
  type HostNetworkPolicy, type PolicySpec, type ValidationError,
} from '@fleetnet/contracts';
import { at, isObject, policyName, unknownKeys, type ConvertResult, type Path } from './result.ts';

/**
 * kubernetes-nmstate's NodeNetworkConfigurationPolicy (nmstate.io/v1 and v1beta1, the same schema)
 * → one HostNetworkPolicy each. nodeSelector becomes hostSelector.matchLabels (equality on every
 * label, as in Kubernetes), maxUnavailable the rollout's, capture and desiredState are carried as they
 * are: fleetnet renders captures per host as kubernetes-nmstate does on each node.
 *
 * Not reproduced, and said so per bridge: kubernetes-nmstate makes every port of an up linux-bridge
 * without a `vlan` block a VLAN-filtering trunk 2-4094 (its "default VLAN filtering"); plain nmstate
 * does not, and neither does fleetnet: a converted bridge forwards untagged and tagged traffic alike
 * without filtering. Give the ports a `vlan` block to have the trunk.
 */

export const NNCP_KIND = 'NodeNetworkConfigurationPolicy';
const API_VERSIONS = ['nmstate.io/v1', 'nmstate.io/v1beta1'];
const LIST_KINDS = ['List', `${NNCP_KIND}List`];
const OTHER_KINDS: Record<string, string> = {
  NodeNetworkState: 'a node\'s reported state (use its status.currentState with fleetnet render --current)',
  NodeNetworkConfigurationEnactment: 'a report of one policy on one node, not intent',
  NMState: 'the kubernetes-nmstate operator\'s own configuration',
};
const SERVER_METADATA = ['namespace', 'creationTimestamp', 'resourceVersion', 'selfLink', 'uid', 'generation', 'managedFields', 'labels', 'annotations'];

/** Is this document (or a List of them) a kubernetes-nmstate object (a policy, or a kind refused by name)? */
export function isNncp(doc: unknown): boolean {
  if (!isObject(doc)) return false;
  // by its API group: a fleetnet document of a wrong kind stays a fleetnet document with that error
  if (String(doc.apiVersion).startsWith('nmstate.io/')) return true;
  return LIST_KINDS.includes(String(doc.kind)) && Array.isArray(doc.items) && doc.items.some((i) => isNncp(i));
}

/** One NNCP as a policy, with the problems found (their paths in the NNCP document) and notes. */
export interface NncpConversion {
  policies: { policy: HostNetworkPolicy; path: Path }[];
  /** what keeps a document from converting; segments in the source document */
  errors: ValidationError[];
  /** what was converted differently or left out, one line each */
  notes: string[];
}

function maxUnavailable(v: unknown, path: Path, notes: string[], errors: ValidationError[]): PolicySpec['rollout'] | undefined {
  if (v === undefined) return undefined;
  const text = typeof v === 'string' ? v.trim() : v;
  // kubernetes-nmstate: a result below 1 becomes 1 (MinMaxunavailable)
  if (text === 0 || text === '0' || text === '0%') {
    notes.push(`${at(path)}: ${JSON.stringify(v)} becomes 1 (kubernetes-nmstate also applies at least one node at a time)`);
    return { maxUnavailable: 1 };
  }
  if (typeof text === 'number' && Number.isInteger(text) && text > 0) return { maxUnavailable: text };
  if (typeof text === 'string' && /^\d+$/.test(text) && Number(text) > 0) return { maxUnavailable: Number(text) };
  if (typeof text === 'string' && /^([1-9][0-9]?|100)%$/.test(text)) return { maxUnavailable: text };
  errors.push({ path: formatPath(path), segments: path, message: `${JSON.stringify(v)} is not a node count or a percentage from 1% to 100%` });
  return undefined;
}

/** kubernetes-nmstate's default VLAN filtering, named where a converted bridge would behave differently. */
function vlanFilteringNotes(desired: unknown, path: Path): string[] {
  if (!isObject(desired) || !Array.isArray(desired.interfaces)) return [];
  const out: string[] = [];
  desired.interfaces.forEach((i, k) => {
    if (!isObject(i) || i.type !== 'linux-bridge' || (i.state ?? 'up') !== 'up' || !isObject(i.bridge)) return;
    const ports = Array.isArray(i.bridge.port) ? i.bridge.port : Array.isArray(i.bridge.ports) ? i.bridge.ports : [];
    const plain = ports.filter((p) => isObject(p) && p.vlan === undefined).map((p) => String((p as Record<string, unknown>).name));
    if (plain.length) {
      out.push(`${at([...path, 'interfaces', k])}: kubernetes-nmstate would also make ${plain.join(', ')} VLAN-filtering trunk ports 2-4094 (its default VLAN filtering); not reproduced: fleetnet bridges these ports without VLAN filtering, as nmstate does`);
    }
  });
  return out;
}

function convertOne(doc: Record<string, unknown>, path: Path, out: NncpConversion): void {
  const { notes, errors } = out;
  const err = (p: Path, message: string) => errors.push({ path: formatPath(p), segments: p, message });
  if (!API_VERSIONS.includes(String(doc.apiVersion))) err([...path, 'apiVersion'], `expected ${API_VERSIONS.join(' or ')}, got ${JSON.stringify(doc.apiVersion)}`);
  unknownKeys(doc, ['apiVersion', 'kind', 'metadata', 'spec', 'status'], path, notes);
  if (doc.status !== undefined) notes.push(`${at([...path, 'status'])}: reported status, not intent; not converted`);
  const meta = isObject(doc.metadata) ? doc.metadata : {};
  unknownKeys(meta, ['name', ...SERVER_METADATA], [...path, 'metadata'], notes);
  const name = policyName(typeof meta.name === 'string' ? meta.name : 'nncp', [...path, 'metadata', 'name'], notes);
  if (!isObject(doc.spec)) {
    err([...path, 'spec'], 'is required (a mapping with desiredState)');
    return;
  }
  const spec = doc.spec;
  unknownKeys(spec, ['nodeSelector', 'maxUnavailable', 'capture', 'desiredState'], [...path, 'spec'], notes, 'is not a NodeNetworkConfigurationPolicy field; not converted');
  if (spec.desiredState === undefined) err([...path, 'spec', 'desiredState'], 'is required');

  const out2: PolicySpec = { desiredState: (spec.desiredState ?? {}) as PolicySpec['desiredState'] };
  if (spec.nodeSelector !== undefined) {
    if (!isObject(spec.nodeSelector)) err([...path, 'spec', 'nodeSelector'], 'must be a mapping of label to value');
    else {
      const labels = Object.fromEntries(Object.entries(spec.nodeSelector).map(([k, v]) => [k, String(v ?? '')]));
      for (const e of schemaErrors(Labels, labels)) err([...path, 'spec', 'nodeSelector', ...e.segments], e.message);
      if (Object.keys(labels).length) out2.hostSelector = { matchLabels: labels };
      if ('kubernetes.io/hostname' in labels) {
        notes.push(`${at([...path, 'spec', 'nodeSelector'])}: fleetnet hosts have no automatic kubernetes.io/hostname label; label the host (fleetnet label host NAME kubernetes.io/hostname=${labels['kubernetes.io/hostname']})`);
      }
    }
  }
  const rollout = maxUnavailable(spec.maxUnavailable, [...path, 'spec', 'maxUnavailable'], notes, errors);
  if (rollout) out2.rollout = rollout;
  if (spec.capture !== undefined) out2.capture = spec.capture as PolicySpec['capture'];
  notes.push(...vlanFilteringNotes(spec.desiredState, [...path, 'spec', 'desiredState']));
  const source = meta.name === undefined ? NNCP_KIND : `${NNCP_KIND}/${String(meta.name)}`;
  const policy = {
    apiVersion: POLICY_API_VERSION,
    kind: 'HostNetworkPolicy',
    metadata: { name, annotations: { 'fleetnet.io/converted-from': source } },
    spec: out2,
  };
  const v = validatePolicy(policy);
  if (!v.ok) {
    // the same paths as the source for desiredState and capture; the others are renamed: point at the source's key
    for (const e of v.errors) {
      const s = e.segments;
      const src: Path = s[1] === 'hostSelector' ? ['spec', 'nodeSelector', ...s.slice(3)] : s[1] === 'rollout' ? ['spec', 'maxUnavailable'] : s;
      err([...path, ...src], e.message);
    }
    return;
  }
  if (!errors.length) out.policies.push({ policy: v.value, path });
}

/** Every NNCP of one document (a List too); other kubernetes-nmstate kinds are refused by name. */
export function nncpToPolicies(doc: unknown, path: Path = []): NncpConversion {
  const out: NncpConversion = { policies: [], errors: [], notes: [] };
  if (!isObject(doc)) {
    out.errors.push({ path: formatPath(path), segments: path, message: 'not a mapping' });
    return out;
  }
  if (LIST_KINDS.includes(String(doc.kind)) && Array.isArray(doc.items)) {
    doc.items.forEach((item, i) => {
      const r = nncpToPolicies(item, [...path, 'items', i]);
      out.policies.push(...r.policies);
      out.errors.push(...r.errors);
      out.notes.push(...r.notes);
    });
    return out;
  }
  const kind = String(doc.kind);
  if (kind !== NNCP_KIND) {
    const why = OTHER_KINDS[kind] ? `${kind} is ${OTHER_KINDS[kind]}` : `"${kind}" is not a ${NNCP_KIND}`;
    out.errors.push({ path: formatPath([...path, 'kind']), segments: [...path, 'kind'], message: `${why}; not converted` });
    return out;
  }
  convertOne(doc, path, out);
  return out;
}

/** `fleetnet convert --from nncp`: the converter interface of the others. */
export function convertNncp(doc: unknown, path: Path = []): ConvertResult {
  const r = nncpToPolicies(doc, path);
  return {
    policies: r.policies.map((p) => p.policy),
    unsupported: [...r.errors.map((e) => `${e.path || '(root)'}: ${e.message}; not converted`), ...r.notes],
  };
}
