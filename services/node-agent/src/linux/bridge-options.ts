import type { BridgePort, Interface, Stp } from '@fleetnet/contracts';
import { stpOf } from '@fleetnet/contracts';

/**
 * Linux bridge options by nmstate's names, each with its `ip link ... type bridge` argument and the
 * key `ip -d -j link` reports it under. nmstate gives times in seconds; the kernel keeps hundredths.
 */
type Value = number | boolean | string;
interface BridgeOption {
  get(o: BridgeOptions): Value | undefined;
  set(o: BridgeOptions, v: Value): void;
  arg: string;
  json: string;
  kind: 'bool' | 'int' | 'seconds' | 'mask' | 'protocol' | 'router' | 'mac';
}
/** The schema's bridge options with `stp` always an object (canonical.ts). */
export type BridgeOptions = Omit<NonNullable<NonNullable<Interface['bridge']>['options']>, 'stp'> & { stp?: Stp };

const top = (key: Exclude<keyof BridgeOptions, 'stp'>, arg: string, json: string, kind: BridgeOption['kind']): BridgeOption => ({
  get: (o) => o[key], set: (o, v) => { (o as Record<string, Value>)[key] = v; }, arg, json, kind,
});
const stp = (key: keyof Stp, arg: string, json: string, kind: BridgeOption['kind']): BridgeOption => ({
  get: (o) => o.stp?.[key], set: (o, v) => { o.stp = { ...o.stp, [key]: v }; }, arg, json, kind,
});

export const BRIDGE_OPTIONS: readonly BridgeOption[] = [
  stp('enabled', 'stp_state', 'stp_state', 'bool'),
  stp('hello-time', 'hello_time', 'hello_time', 'seconds'),
  stp('forward-delay', 'forward_delay', 'forward_delay', 'seconds'),
  stp('max-age', 'max_age', 'max_age', 'seconds'),
  stp('priority', 'priority', 'priority', 'int'),
  top('vlan-filtering', 'vlan_filtering', 'vlan_filtering', 'bool'),
  top('mac-ageing-time', 'ageing_time', 'ageing_time', 'seconds'),
  top('group-forward-mask', 'group_fwd_mask', 'group_fwd_mask', 'mask'),
  top('multicast-snooping', 'mcast_snooping', 'mcast_snooping', 'bool'),
  top('hash-max', 'mcast_hash_max', 'mcast_hash_max', 'int'),
  top('vlan-protocol', 'vlan_protocol', 'vlan_protocol', 'protocol'),
  top('group-addr', 'group_address', 'group_addr', 'mac'),
  top('multicast-router', 'mcast_router', 'mcast_router', 'router'),
  top('multicast-querier', 'mcast_querier', 'mcast_querier', 'bool'),
  top('multicast-query-use-ifaddr', 'mcast_query_use_ifaddr', 'mcast_query_use_ifaddr', 'bool'),
  top('multicast-last-member-count', 'mcast_last_member_count', 'mcast_last_member_cnt', 'int'),
  top('multicast-startup-query-count', 'mcast_startup_query_count', 'mcast_startup_query_cnt', 'int'),
  top('multicast-last-member-interval', 'mcast_last_member_interval', 'mcast_last_member_intvl', 'int'),
  top('multicast-membership-interval', 'mcast_membership_interval', 'mcast_membership_intvl', 'int'),
  top('multicast-querier-interval', 'mcast_querier_interval', 'mcast_querier_intvl', 'int'),
  top('multicast-query-interval', 'mcast_query_interval', 'mcast_query_intvl', 'int'),
  top('multicast-query-response-interval', 'mcast_query_response_interval', 'mcast_query_response_intvl', 'int'),
  top('multicast-startup-query-interval', 'mcast_startup_query_interval', 'mcast_startup_query_intvl', 'int'),
];

/** nmstate's names of the kernel's multicast router modes. */
const ROUTER: Readonly<Record<string, number>> = { disabled: 0, auto: 1, enabled: 2 };
const ROUTER_NAME = ['disabled', 'auto', 'enabled'];

function toArg(kind: BridgeOption['kind'], v: Value): string {
  if (kind === 'bool') return v ? '1' : '0';
  if (kind === 'seconds') return String(Number(v) * 100);
  if (kind === 'protocol') return v === '802.1ad' ? '802.1ad' : '802.1Q';
  if (kind === 'router') return String(typeof v === 'string' ? ROUTER[v] : v);
  return String(v);
}

function fromJson(kind: BridgeOption['kind'], raw: unknown): Value | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (kind === 'bool') return Number(raw) !== 0;
  if (kind === 'seconds') return Math.round(Number(raw) / 100);
  // iproute2 prints the mask as a string, "0" or hex "0x8"
  if (kind === 'mask') return typeof raw === 'string' ? Number.parseInt(raw, raw.startsWith('0x') ? 16 : 10) : Number(raw);
  if (kind === 'protocol') return String(raw).toLowerCase() === '802.1ad' ? '802.1ad' : '802.1q';
  if (kind === 'router') return ROUTER_NAME[Number(raw)] ?? String(raw);
  if (kind === 'mac') return String(raw).toLowerCase();
  return Number(raw);
}

/** The options the desired state names, as the canonical object (stp always an object). */
export function namedBridgeOptions(options: Record<string, unknown> | undefined): BridgeOptions {
  const o = (options ?? {}) as BridgeOptions & { stp?: boolean | Stp };
  return { ...o, stp: stpOf(o) } as BridgeOptions;
}

/** ` arg value` pairs for the options `want` names that differ from `have` (all of them when `have` is undefined). */
export function bridgeOptionArgs(want: BridgeOptions, have: BridgeOptions | undefined): string {
  let out = '';
  for (const opt of BRIDGE_OPTIONS) {
    const v = opt.get(want);
    if (v === undefined) continue;
    if (have && String(v) === String(opt.get(have) ?? defaultOf(opt))) continue;
    out += ` ${opt.arg} ${toArg(opt.kind, v)}`;
  }
  return out;
}

/** What an option reads when the kernel did not report it (stp and filtering are off by default). */
const defaultOf = (opt: BridgeOption) => (opt.kind === 'bool' && (opt.arg === 'stp_state' || opt.arg === 'vlan_filtering') ? false : undefined);

/** A bridge's options from its `ip -d -j link` info_data. */
export function bridgeOptionsOf(info: Record<string, unknown>): BridgeOptions {
  const out: BridgeOptions = { stp: { enabled: false }, 'vlan-filtering': false };
  for (const opt of BRIDGE_OPTIONS) {
    const v = fromJson(opt.kind, info[opt.json]);
    if (v !== undefined) opt.set(out, v);
  }
  return out;
}

/** Port settings (`ip link set P type bridge_slave ...`) by nmstate's names. */
const PORT_OPTIONS = [
  { key: 'stp-priority', arg: 'priority', json: 'priority' },
  { key: 'stp-path-cost', arg: 'cost', json: 'cost' },
  { key: 'stp-hairpin-mode', arg: 'hairpin', json: 'hairpin' },
] as const;
type PortOptions = Pick<BridgePort, 'stp-priority' | 'stp-path-cost' | 'stp-hairpin-mode'>;

/** The `link set P type bridge_slave ...` line for what `want` names and `have` lacks, or undefined. */
export function bridgePortLine(name: string, want: PortOptions, have: PortOptions | undefined): string | undefined {
  let args = '';
  for (const o of PORT_OPTIONS) {
    const v = want[o.key];
    if (v === undefined || v === have?.[o.key]) continue;
    args += ` ${o.arg} ${typeof v === 'boolean' ? (v ? 'on' : 'off') : v}`;
  }
  return args ? `link set ${name} type bridge_slave${args}` : undefined;
}

/** A bridge port's settings from its `ip -d -j link` info_slave_data. */
export function bridgePortOptionsOf(slave: Record<string, unknown>): PortOptions {
  const out: PortOptions = {};
  if (slave.priority !== undefined) out['stp-priority'] = Number(slave.priority);
  if (slave.cost !== undefined) out['stp-path-cost'] = Number(slave.cost);
  if (slave.hairpin !== undefined) out['stp-hairpin-mode'] = slave.hairpin === true || slave.hairpin === 'on' || Number(slave.hairpin) === 1;
  return out;
}
