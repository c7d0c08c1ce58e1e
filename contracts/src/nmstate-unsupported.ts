import { error, formatPath, type ValidationError } from './validate.ts';

/**
 * nmstate's keys that fleetnet knows and does not do. A document that uses one is refused with one
 * message naming the feature (`path: not supported by fleetnet: FEATURE`) instead of "unknown field",
 * which would read as a typo. Keys nmstate does not have either stay "unknown field".
 *
 * The one table validation consults. Paths: dotted keys, `[]` for every item of a list, `["802.1x"]` for a key with a dot. When fleetnet
 * starts to support a key, its row goes (and the schema takes the key). A row's children are not
 * reported again once the row matched.
 *
 * Interface types fleetnet does not configure (hsr, infiniband, ipsec, xfrm, team) are the schema's
 * remove-only types (state.ts REMOVE_ONLY, refused by name in semantic.ts unless `state: absent`);
 * their sections (`hsr:`, `infiniband:`, `libreswan:`) are rows here, so a create document names the
 * feature once, at its section.
 */
export const NMSTATE_UNSUPPORTED: readonly { path: string; feature: string }[] = [
  { path: 'interfaces[]["802.1x"]', feature: 'IEEE 802.1X authentication (802.1x)' },
  { path: 'interfaces[].libreswan', feature: 'IPsec (libreswan)' },
  { path: 'interfaces[].infiniband', feature: 'InfiniBand (IPoIB)' },
  { path: 'interfaces[].hsr', feature: 'HSR/PRP' },
  { path: 'interfaces[].team', feature: 'team (use a bond)' },
  { path: 'interfaces[].xfrm', feature: 'XFRM interfaces' },
  { path: 'interfaces[].dpdk', feature: 'OVS-DPDK' },
  { path: 'ovs-db.other_config.dpdk-init', feature: 'OVS-DPDK' },
  { path: 'ovn', feature: 'OVN bridge mappings (ovn)' },
  { path: 'interfaces[].ethtool', feature: 'ethtool settings (ethtool)' },
  { path: 'interfaces[].ethernet.auto-negotiation', feature: 'ethernet link settings (auto-negotiation)' },
  { path: 'interfaces[].ethernet.speed', feature: 'ethernet link settings (speed)' },
  { path: 'interfaces[].ethernet.duplex', feature: 'ethernet link settings (duplex)' },
  { path: 'interfaces[].mptcp', feature: 'MPTCP (mptcp)' },
  { path: 'interfaces[].ipv4.address[].mptcp-flags', feature: 'MPTCP (mptcp-flags)' },
  { path: 'interfaces[].ipv6.address[].mptcp-flags', feature: 'MPTCP (mptcp-flags)' },
  { path: 'interfaces[].dispatch', feature: 'NetworkManager dispatcher scripts (dispatch)' },
  { path: 'interfaces[].wait-ip', feature: 'NetworkManager activation (wait-ip)' },
  { path: 'interfaces[].ipv4.dhcp-client-id', feature: 'DHCP client id (dhcp-client-id)' },
  { path: 'interfaces[].ipv6.dhcp-duid', feature: 'DHCPv6 DUID (dhcp-duid)' },
  { path: 'interfaces[].ipv4.dhcp-send-hostname', feature: 'DHCP hostname options (dhcp-send-hostname)' },
  { path: 'interfaces[].ipv6.dhcp-send-hostname', feature: 'DHCP hostname options (dhcp-send-hostname)' },
  { path: 'interfaces[].ipv4.dhcp-custom-hostname', feature: 'DHCP hostname options (dhcp-custom-hostname)' },
  { path: 'interfaces[].ipv6.dhcp-custom-hostname', feature: 'DHCP hostname options (dhcp-custom-hostname)' },
  { path: 'interfaces[].ipv6.addr-gen-mode', feature: 'IPv6 address generation mode (addr-gen-mode)' },
  { path: 'interfaces[].ipv6.token', feature: 'IPv6 interface tokens (token)' },
  { path: 'interfaces[].ipv4.allow-extra-address', feature: 'allow-extra-address' },
  { path: 'interfaces[].ipv6.allow-extra-address', feature: 'allow-extra-address' },
  { path: 'interfaces[].link-aggregation.options.balance_slb', feature: 'balance-slb on a kernel bond (a NetworkManager emulation; OVS bonds have balance-slb)' },
  { path: 'interfaces[].link-aggregation.options.balance-slb', feature: 'balance-slb on a kernel bond (a NetworkManager emulation; OVS bonds have balance-slb)' },
  { path: 'routes.config[].weight', feature: 'ECMP route weights (weight)' },
  // interface kinds: the keys of nmstate's kinds fleetnet does not set (H2)
  { path: 'interfaces[].bridge.options.vlan-default-pvid', feature: 'linux-bridge tuning (vlan-default-pvid)' },
  { path: 'interfaces[].bridge.allow-extra-patch-ports', feature: 'allow-extra-patch-ports' },
  { path: 'interfaces[].bridge.port[].link-aggregation.bond-updelay', feature: 'OVS bond settings (bond-updelay)' },
  { path: 'interfaces[].bridge.port[].link-aggregation.bond-downdelay', feature: 'OVS bond settings (bond-downdelay)' },
  { path: 'interfaces[].bridge.port[].link-aggregation.ovs-db', feature: 'OVS bond settings (ovs-db)' },
  { path: 'interfaces[].ovs-db', feature: 'per-interface OVS external_ids/other_config (ovs-db; the top-level ovs-db is supported)' },
  { path: 'interfaces[].ethernet.sr-iov.vfs[].min-tx-rate', feature: 'SR-IOV VF min-tx-rate' },
  { path: 'interfaces[].ethernet.sr-iov.vfs[].max-tx-rate', feature: 'SR-IOV VF max-tx-rate' },
  { path: 'interfaces[].ethernet.sr-iov.vfs[].vlan-proto', feature: 'SR-IOV VF vlan-proto' },
];

type Seg = (string | number)[];

// `a[].b` and `a[]["x.y"]` (a key with a dot, quoted as formatPath prints it)
const parse = (path: string) => [...path.matchAll(/\["([^"]+)"\]|\[\]|[^.[\]]+/g)].map((m) => m[1] ?? m[0]);
const ROWS = NMSTATE_UNSUPPORTED.map((r) => ({ ...r, parts: parse(r.path) }));

function matches(value: unknown, parts: string[], at: Seg, out: Seg[]): void {
  if (!parts.length) {
    out.push(at);
    return;
  }
  const [head, ...rest] = parts as [string, ...string[]];
  if (head === '[]') {
    if (Array.isArray(value)) value.forEach((v, i) => matches(v, rest, [...at, i], out));
    return;
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, head)) {
    matches((value as Record<string, unknown>)[head], rest, [...at, head], out);
  }
}

const isUnder = (s: Seg, prefix: Seg) => prefix.length <= s.length && prefix.every((p, i) => p === s[i]);

/** Every known-but-unsupported nmstate key in a (raw, not yet validated) state, as one error each. */
export function unsupportedErrors(state: unknown, at: Seg = []): ValidationError[] {
  const found: { segments: Seg; feature: string }[] = [];
  for (const row of ROWS) {
    const hits: Seg[] = [];
    matches(state, row.parts, at, hits);
    for (const segments of hits) found.push({ segments, feature: row.feature });
  }
  return found
    .filter((f) => !found.some((g) => g !== f && g.segments.length < f.segments.length && isUnder(f.segments, g.segments)))
    .sort((a, b) => formatPath(a.segments).localeCompare(formatPath(b.segments)))
    .map((f) => error(f.segments, `not supported by fleetnet: ${f.feature}`));
}

/** Schema errors that only repeat a refusal (the unknown key itself, or anything under it) go. */
export function withoutRefused(errors: ValidationError[], refused: ValidationError[]): ValidationError[] {
  return errors.filter((e) => !refused.some((r) => isUnder(e.segments, r.segments)));
}
