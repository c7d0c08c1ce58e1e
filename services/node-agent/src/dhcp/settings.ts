import type { IpConfig } from '@fleetnet/contracts';

/** What the agent does with a DHCPv4 lease, from nmstate's auto-* keys. */
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

export const sameSettings = (a: DhcpSettings, b: DhcpSettings) =>
  a.autoDns === b.autoDns && a.autoGateway === b.autoGateway && a.autoRoutes === b.autoRoutes && a.table === b.table && a.metric === b.metric;
