import type { DhcpSettings } from './settings.ts';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Pure: the program dhclient -6 runs at each event (`-sf`). PREINIT6 waits until the link-local
 * address has passed DAD (dhclient cannot bind to a tentative one); BOUND6/RENEW6/REBIND6 set the
 * leased address with its lifetimes (so the kernel marks it dynamic) and write the lease for the agent;
 * DEPREF6 deprecates it; EXPIRE6/RELEASE6/STOP6 remove it. DHCPv6 carries no routes (they come from
 * router advertisements, see host/slaac.ts), and the script never touches resolv.conf or the hostname.
 * The settings are unused: what to do with the DNS servers is the agent's call.
 */
export function renderScript6(_settings: DhcpSettings, leaseFile: string): string {
  return `#!/bin/sh
# written by fleetnet-agent: DHCPv6 events for one interface
LEASE=${q(leaseFile)}
case "$reason" in
PREINIT6)
  i=0
  while [ $i -lt 50 ] && [ -n "$(ip -6 addr show dev "$interface" scope link tentative)" ]; do sleep 0.1; i=$((i + 1)); done
  ;;
BOUND6|RENEW6|REBIND6)
  [ -n "$new_ip6_address" ] || exit 0
  if [ -n "$old_ip6_address" ] && [ "$old_ip6_address" != "$new_ip6_address" ]; then ip -6 addr del "$old_ip6_address/$old_ip6_prefixlen" dev "$interface" 2>/dev/null; fi
  ip -6 addr replace "$new_ip6_address/$new_ip6_prefixlen" dev "$interface" valid_lft "\${new_max_life:-forever}" preferred_lft "\${new_preferred_life:-forever}" || exit 1
  printf 'ip=%s\\nmask=%s\\nrouter=\\ndns=%s\\ndomain=%s\\nlease=%s\\n' "$new_ip6_address" "$new_ip6_prefixlen" "$new_dhcp6_name_servers" "$(echo $new_dhcp6_domain_search | sed 's/\\. / /g; s/\\.$//')" "$new_max_life" > "$LEASE.tmp" && mv "$LEASE.tmp" "$LEASE"
  ;;
DEPREF6)
  [ -n "$cur_ip6_address" ] && ip -6 addr change "$cur_ip6_address/$cur_ip6_prefixlen" dev "$interface" preferred_lft 0
  ;;
EXPIRE6|RELEASE6|STOP6)
  [ -n "$old_ip6_address" ] && ip -6 addr del "$old_ip6_address/$old_ip6_prefixlen" dev "$interface" 2>/dev/null
  rm -f "$LEASE"
  ;;
esac
exit 0
`;
}
