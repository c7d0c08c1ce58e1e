import type { NetworkState } from '@fleetnet/contracts';
import type { BackendPlan, Operation } from '../backend.ts';
import { sameSettings, settingsOf, settingsOf6, type DhcpSettings } from './settings.ts';

export type DhcpOp = Extract<Operation, { backend: 'dhcp' }>;
type Family = 4 | 6;

const show = (s: DhcpSettings, family: Family) =>
  (family === 6
    ? [`auto-dns ${s.autoDns}`, s.slaac ? 'or a SLAAC address' : '']
    : [`auto-dns ${s.autoDns}`, `auto-gateway ${s.autoGateway}`, `auto-routes ${s.autoRoutes}`, s.table ? `table ${s.table}` : '', s.metric !== undefined ? `metric ${s.metric}` : ''])
    .filter(Boolean).join(', ');

const fam = (family: Family) => (family === 6 ? { family } : {});

const start = (iface: string, settings: DhcpSettings, resolvConf: string, family: Family, timeoutMs?: number): DhcpOp => ({
  backend: 'dhcp', stage: 'dhcp', target: family === 6 ? `dhcp6 ${iface}` : iface, action: 'start', iface, settings, ...fam(family),
  description: `start the DHCPv${family} client on ${iface} and wait for its lease (${show(settings, family)})`,
  ...(settings.autoDns ? { resolvConf } : {}),
  ...(timeoutMs !== undefined ? { timeoutMs } : {}),
});
const stop = (iface: string, why: string, had: DhcpSettings, resolvConf: string, family: Family): DhcpOp => ({
  backend: 'dhcp', stage: 'dhcp', target: family === 6 ? `dhcp6 ${iface}` : iface, action: 'stop', iface, ...fam(family),
  description: `stop the DHCPv${family} client on ${iface} and remove its lease's addresses${family === 4 ? ', routes' : ''}${had.autoDns ? ' and DNS servers' : ''} (${why})`,
  ...(had.autoDns ? { resolvConf } : {}),
});

export interface PlanDhcpOptions {
  /** the DHCPv6 clients supervised now */
  running6?: ReadonlyMap<string, DhcpSettings>;
  /** how long a start waits for its lease (the apply's probe timeout); undefined: the backend's default */
  timeoutMs?: number;
}

/**
 * Pure: which DHCP clients to start, restart (other auto-* settings) or stop, for each family.
 * `running` are the DHCPv4 clients supervised now, `opts.running6` the DHCPv6 ones. nmstate's
 * reading: `dhcp: true` runs one; `dhcp: false`, `enabled: false`, an address list without dhcp, or
 * the interface going away stops it; a section naming none of these leaves it as it is. A client
 * whose interface is gone from the kernel is stopped too.
 */
export function planDhcp(
  desired: NetworkState, actual: NetworkState, running: ReadonlyMap<string, DhcpSettings>, resolvConf: string, opts: PlanDhcpOptions = {},
): BackendPlan<DhcpOp> {
  const operations: DhcpOp[] = [];
  const staticServers = desired['dns-resolver']?.config?.server !== undefined;
  const present = new Set((actual.interfaces ?? []).map((i) => i.name));
  for (const family of [4, 6] as const) {
    const clients = family === 4 ? running : opts.running6 ?? new Map<string, DhcpSettings>();
    const named = new Set<string>();
    for (const d of desired.interfaces ?? []) {
      named.add(d.name);
      const have = clients.get(d.name);
      const cfg = family === 4 ? d.ipv4 : d.ipv6;
      if (d.state === 'absent' || d.state === 'down') {
        if (have) operations.push(stop(d.name, `interface ${d.state}`, have, resolvConf, family));
        continue;
      }
      if (cfg?.dhcp === true && cfg.enabled !== false) {
        const want = family === 4 ? settingsOf(cfg, staticServers) : settingsOf6(cfg, staticServers);
        if (have && sameSettings(have, want)) continue;
        if (have) operations.push(stop(d.name, 'its settings change', have, resolvConf, family));
        operations.push(start(d.name, want, resolvConf, family, opts.timeoutMs));
      } else if (have && cfg && (cfg.dhcp === false || cfg.enabled === false || cfg.address !== undefined)) {
        operations.push(stop(d.name, 'dhcp is off', have, resolvConf, family));
      }
    }
    for (const [iface, have] of clients) {
      if (!named.has(iface) && !present.has(iface)) operations.push(stop(iface, 'the interface is gone', have, resolvConf, family));
    }
  }
  return { operations, errors: [] };
}
