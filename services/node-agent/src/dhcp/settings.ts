import type { IpConfig } from '@fleetnet/contracts';

/** What the agent does with a DHCP lease, from nmstate's auto-* keys. */
export interface DhcpSettings {
  /** the lease's DNS servers go to the resolv.conf the agent owns */
  autoDns: boolean;
  /** the lease's router becomes a default route */
  autoGateway: boolean;
  /** the lease's classless static routes (option 121) are installed */
  autoRoutes: boolean;
  /** the table the lease's routes go to; 0 = main */
  table: number;
  /** their metric; undefined = the kernel's default */
  metric?: number;
  /**
   * DHCPv6 only: autoconf (SLAAC) is on too — nmstate's "auto" — so the apply is satisfied by a
   * SLAAC address when no DHCPv6 server answers (NetworkManager asks DHCPv6 only when an RA says so).
   */
  slaac?: boolean;
}

/**
 * Pure: nmstate's defaults — every auto-* key is on; `auto-routes: false` also means no gateway
 * (nmstate's auto-gateway follows auto-routes unless given). The DNS servers are written only when
 * the desired state names no static servers (static ones win, see README).
 */
export function settingsOf(cfg: IpConfig, staticServersNamed: boolean): DhcpSettings {
  const autoRoutes = cfg['auto-routes'] ?? true;
  return {
    autoDns: (cfg['auto-dns'] ?? true) && !staticServersNamed,
    autoGateway: autoRoutes && (cfg['auto-gateway'] ?? true),
    autoRoutes,
    table: cfg['auto-route-table-id'] ?? 0,
    ...(cfg['auto-route-metric'] !== undefined ? { metric: cfg['auto-route-metric'] } : {}),
  };
}

/**
 * Pure: DHCPv6's settings. Its client only leases addresses and DNS servers (DHCPv6 has no routes:
 * the gateway and routes come from router advertisements, which host/slaac.ts configures), so only
 * auto-dns matters to it.
 */
export function settingsOf6(cfg: IpConfig, staticServersNamed: boolean): DhcpSettings {
  return { autoDns: (cfg['auto-dns'] ?? true) && !staticServersNamed, autoGateway: false, autoRoutes: false, table: 0, ...(cfg.autoconf ? { slaac: true } : {}) };
}

export const sameSettings = (a: DhcpSettings, b: DhcpSettings) =>
  a.autoDns === b.autoDns && a.autoGateway === b.autoGateway && a.autoRoutes === b.autoRoutes && a.table === b.table && a.metric === b.metric &&
  Boolean(a.slaac) === Boolean(b.slaac);
