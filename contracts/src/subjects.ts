import { assertName } from './names.ts';

/** Subjects and streams from DESIGN.md. Builders refuse names that are not valid host/policy names. */
export const Streams = {
  intent: 'FLEETNET_INTENT',
  desired: 'FLEETNET_DESIRED',
  reports: 'FLEETNET_REPORTS',
} as const;

export const StreamSubjects = {
  [Streams.intent]: ['fleetnet.intent.>', 'fleetnet.alloc.*'],
  [Streams.desired]: ['fleetnet.desired.*'],
  [Streams.reports]: ['fleetnet.hello.*', 'fleetnet.state.*', 'fleetnet.sync.*'],
} as const;

export const KvBuckets = {
  hosts: 'fleetnet_hosts',
  policies: 'fleetnet_policies',
  rollouts: 'fleetnet_rollouts',
  meta: 'fleetnet_projection',
  pools: 'fleetnet_pools',
} as const;

export const subjects = {
  intentPolicy: (policy: string) => `fleetnet.intent.policy.${assertName(policy, 'policy name')}`,
  intentHost: (host: string) => `fleetnet.intent.host.${assertName(host, 'host name')}`,
  intentPool: (pool: string) => `fleetnet.intent.pool.${assertName(pool, 'pool name')}`,
  /** the controllers' allocation records of one pool (written with expect.lastSubjectSequence) */
  alloc: (pool: string) => `fleetnet.alloc.${assertName(pool, 'pool name')}`,
  intentRejected: 'fleetnet.intent.rejected',
  desired: (host: string) => `fleetnet.desired.${assertName(host, 'host name')}`,
  hello: (host: string) => `fleetnet.hello.${assertName(host, 'host name')}`,
  state: (host: string) => `fleetnet.state.${assertName(host, 'host name')}`,
  sync: (host: string) => `fleetnet.sync.${assertName(host, 'host name')}`,
  heartbeat: (host: string) => `fleetnet.heartbeat.${assertName(host, 'host name')}`,
  api: (method: ApiMethod) => `fleetnet.api.${method}`,
  heartbeatAll: 'fleetnet.heartbeat.*',
} as const;

export const ApiMethods = [
  'hosts.list', 'hosts.get', 'hosts.history', 'hosts.desired', 'hosts.rollback',
  'policies.list', 'policies.get', 'rollouts.get', 'rollouts.list', 'rollouts.pause', 'rollouts.resume', 'plan',
  'rollouts.recapture', 'pools.list', 'pools.get',
] as const;
export type ApiMethod = (typeof ApiMethods)[number];

export type SubjectKind = 'intent-policy' | 'intent-host' | 'intent-pool' | 'alloc' | 'intent-rejected' | 'desired' | 'hello' | 'state' | 'sync' | 'heartbeat';

export interface ParsedSubject {
  kind: SubjectKind;
  /** host or policy name; absent for intent-rejected */
  name?: string;
}

const NAME = '([A-Za-z0-9][A-Za-z0-9_-]{0,62})';
const PATTERNS: [SubjectKind, RegExp][] = [
  ['intent-policy', new RegExp(`^fleetnet\\.intent\\.policy\\.${NAME}$`)],
  ['intent-host', new RegExp(`^fleetnet\\.intent\\.host\\.${NAME}$`)],
  ['intent-pool', new RegExp(`^fleetnet\\.intent\\.pool\\.${NAME}$`)],
  ['alloc', new RegExp(`^fleetnet\\.alloc\\.${NAME}$`)],
  ['intent-rejected', /^fleetnet\.intent\.rejected$/],
  ['desired', new RegExp(`^fleetnet\\.desired\\.${NAME}$`)],
  ['hello', new RegExp(`^fleetnet\\.hello\\.${NAME}$`)],
  ['state', new RegExp(`^fleetnet\\.state\\.${NAME}$`)],
  ['sync', new RegExp(`^fleetnet\\.sync\\.${NAME}$`)],
  ['heartbeat', new RegExp(`^fleetnet\\.heartbeat\\.${NAME}$`)],
];

/** The kind and name of a fleetnet subject, or undefined for anything else (including invalid names). */
export function parseSubject(subject: string): ParsedSubject | undefined {
  for (const [kind, re] of PATTERNS) {
    const m = re.exec(subject);
    if (m) return m[1] === undefined ? { kind } : { kind, name: m[1] };
  }
  return undefined;
}
