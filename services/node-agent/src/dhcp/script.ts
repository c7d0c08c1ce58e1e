import type { DhcpSettings } from './settings.ts';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Pure: the program busybox udhcpc runs at each DHCP event (`-s`). It sets the leased address with
 * the lease's lifetime (so the kernel marks it dynamic), installs the routes the settings allow with
 * `proto dhcp` (so they can be found and flushed), and writes the lease for the agent to read. It
 * never touches resolv.conf or the hostname: what to do with the lease's DNS is the agent's call.
 */
export function renderScript(settings: DhcpSettings, leaseFile: string): string {
  const table = settings.table ? ` table ${settings.table}` : '';
  const metric = settings.metric !== undefined ? ` metric ${settings.metric}` : '';
  return `#!/bin/sh
# written by fleetnet-agent: DHCPv4 events for one interface
LEASE=${q(leaseFile)}
case "$1" in
deconfig)
  ip -4 addr flush dev "$interface" dynamic 2>/dev/null
  ip -4 route flush dev "$interface" proto dhcp table all 2>/dev/null
  rm -f "$LEASE"
  ;;
bound|renew)
  old=$(sed -n 's/^ip=//p' "$LEASE" 2>/dev/null)
  if [ -n "$old" ] && [ "$old" != "$ip" ]; then ip -4 addr flush dev "$interface" dynamic; fi
  ip -4 addr replace "$ip/$mask" dev "$interface" valid_lft "\${lease:-forever}" preferred_lft "\${lease:-forever}" || exit 1
${settings.autoRoutes ? `  set -- $staticroutes
  while [ $# -ge 2 ]; do ip -4 route replace "$1" via "$2" dev "$interface" proto dhcp${table}${metric}; shift 2; done
` : ''}${settings.autoGateway ? `  for r in $router; do ip -4 route replace default via "$r" dev "$interface" proto dhcp${table}${metric}; break; done
` : ''}  printf 'ip=%s\\nmask=%s\\nrouter=%s\\ndns=%s\\ndomain=%s\\nlease=%s\\nserverid=%s\\n' "$ip" "$mask" "$router" "$dns" "$domain" "$lease" "$serverid" > "$LEASE.tmp" && mv "$LEASE.tmp" "$LEASE"
  ;;
esac
exit 0
`;
}
