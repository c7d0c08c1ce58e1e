import {
  POLICY_API_VERSION, formatPath, validatePolicy,
  type HostNetworkPolicy, type Interface, type NetworkState,
} from '@fleetnet/contracts';

/** What a converter returns: valid policies, and every part of the input it could not express. */
export interface ConvertResult {
  policies: HostNetworkPolicy[];
  unsupported: string[];
}

export type Path = (string | number)[];
export const at = (path: Path) => formatPath(path) || '(root)';

export const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Lists the keys a converter does not read, so nothing is dropped without a word. */
export function unknownKeys(value: Record<string, unknown>, known: readonly string[], path: Path, unsupported: string[], why = 'has no fleetnet equivalent; not converted') {
  for (const k of Object.keys(value)) if (!known.includes(k)) unsupported.push(`${at([...path, k])}: ${why}`);
}

/** Policy names are NATS subject tokens: anything else becomes "-". */
export function policyName(raw: string, path: Path, unsupported: string[]): string {
  let name = raw.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63);
  if (!name) name = 'converted';
  if (name !== raw) unsupported.push(`${at(path)}: name "${raw}" renamed to "${name}" (policy names allow only letters, digits, "-" and "_")`);
  return name;
}

export const isIfName = (n: string) => /^[A-Za-z0-9_.@-]{1,15}$/.test(n);

/** Interfaces merged by name in first-seen order: several source entries may describe one interface. */
export class InterfaceSet {
  private readonly byName = new Map<string, Interface>();
  get(name: string): Interface {
    let i = this.byName.get(name);
    if (!i) {
      i = { name };
      this.byName.set(name, i);
    }
    return i;
  }
  has(name: string) {
    return this.byName.has(name);
  }
  /** A name with nothing declared about it (e.g. only the base of a VLAN) says nothing: left out. */
  list(): Interface[] {
    return [...this.byName.values()].filter((i) => Object.keys(i).length > 1);
  }
}

const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v);
  return undefined;
};
export const toInt = num;

export const toBool = (v: unknown): boolean | undefined => {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  return undefined;
};

export interface PolicyDraft {
  name: string;
  source: string;
  hostSelector?: HostNetworkPolicy['spec']['hostSelector'];
  desiredState: NetworkState;
}

/** Builds the policy and checks it with the same validator `apply` uses; an invalid result is reported, not returned. */
export function finishPolicy(d: PolicyDraft, path: Path, result: ConvertResult): void {
  const policy: HostNetworkPolicy = {
    apiVersion: POLICY_API_VERSION,
    kind: 'HostNetworkPolicy',
    metadata: { name: d.name, annotations: { 'fleetnet.io/converted-from': d.source } },
    spec: {
      ...(d.hostSelector ? { hostSelector: d.hostSelector } : {}),
      desiredState: d.desiredState,
    },
  };
  const v = validatePolicy(policy);
  if (v.ok) result.policies.push(v.value);
  else {
    for (const e of v.errors) result.unsupported.push(`${at(path)}: the converted policy would be invalid at ${e.path}: ${e.message}; not converted`);
  }
}
