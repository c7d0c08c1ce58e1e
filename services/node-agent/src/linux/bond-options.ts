/**
 * Kernel bond options the agent sets and reads back (`link-aggregation.options`, nmstate's names,
 * which are the `ip link ... type bond` arguments), each with the key `ip -d -j link` reports it
 * under. Others are left to the kernel's defaults and never reported, so a rollback never writes a
 * read-only field.
 */
const JSON_KEY: Readonly<Record<string, string>> = {
  miimon: 'miimon', updelay: 'updelay', downdelay: 'downdelay', use_carrier: 'use_carrier', primary: 'primary',
  primary_reselect: 'primary_reselect', arp_interval: 'arp_interval', arp_validate: 'arp_validate',
  xmit_hash_policy: 'xmit_hash_policy', lacp_rate: 'ad_lacp_rate', ad_select: 'ad_select', min_links: 'min_links',
  fail_over_mac: 'fail_over_mac', all_slaves_active: 'all_slaves_active', packets_per_slave: 'packets_per_slave',
  lp_interval: 'lp_interval', tlb_dynamic_lb: 'tlb_dynamic_lb', resend_igmp: 'resend_igmp',
  // the rest of nmstate's BondOptions the kernel exposes (one kernel value for num_grat_arp and num_unsol_na)
  arp_ip_target: 'arp_ip_target', arp_all_targets: 'arp_all_targets', arp_missed_max: 'arp_missed_max',
  ad_actor_sys_prio: 'ad_actor_sys_prio', ad_actor_system: 'ad_actor_system', ad_user_port_key: 'ad_user_port_key',
  num_grat_arp: 'num_peer_notif', num_unsol_na: 'num_peer_notif',
};
export const BOND_OPTIONS = Object.keys(JSON_KEY);

/**
 * The kernel's defaults: a new bond gets only the options that differ from them, since the kernel
 * refuses some options, even at their default, in modes they do not apply to (a rollback re-creates
 * a bond from everything it read).
 */
const DEFAULTS: Readonly<Record<string, string>> = {
  updelay: '0', downdelay: '0', use_carrier: '1', primary_reselect: 'always', arp_interval: '0', arp_validate: 'none',
  xmit_hash_policy: 'layer2', lacp_rate: 'slow', ad_select: 'stable', min_links: '0', fail_over_mac: 'none',
  all_slaves_active: '0', packets_per_slave: '1', lp_interval: '1', tlb_dynamic_lb: '1', resend_igmp: '1', miimon: '0',
  arp_all_targets: 'any', arp_missed_max: '2', ad_actor_sys_prio: '65535', ad_actor_system: '00:00:00:00:00:00', ad_user_port_key: '0',
  num_grat_arp: '1', num_unsol_na: '1',
};
const asArg = (v: OptionValue) => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v));

export const withoutDefaults = (opts: Record<string, OptionValue>): Record<string, OptionValue> =>
  Object.fromEntries(Object.entries(opts).filter(([k, v]) => DEFAULTS[k] !== asArg(v)));

/** Options the kernel takes only while the bond is down. */
export const BOND_OPTIONS_WHILE_DOWN: ReadonlySet<string> = new Set(['lacp_rate', 'ad_select', 'tlb_dynamic_lb']);

type OptionValue = string | number | boolean;

/** The known options in a bond's `ip -d -j` info_data. */
export function bondOptionsOf(info: Record<string, unknown>): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const k of BOND_OPTIONS) {
    const v = info[JSON_KEY[k]!];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    // a list in JSON, a comma-separated one for ip and in nmstate; reported only when there are targets
    else if (Array.isArray(v) && v.length) out[k] = v.join(',');
  }
  return out;
}

/** ` key value` pairs for `ip link`, booleans as 1/0. */
export const bondOptionArgs = (opts: Record<string, OptionValue>): string =>
  Object.entries(opts).map(([k, v]) => ` ${k} ${asArg(v)}`).join('');
