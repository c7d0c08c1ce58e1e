import type { NetworkState } from '@fleetnet/contracts';
import type { BackendPlan, Operation } from '../backend.ts';
import { sameSettings, settingsOf, type DhcpSettings } from './settings.ts';

export type DhcpOp = Extract<Operation, { backend: 'dhcp' }>;

const show = (s: DhcpSettings) =>
  [`auto-dns ${s.autoDns}`, `auto-gateway ${s.autoGateway}`, `auto-routes ${s.autoRoutes}`, s.table ? `table ${s.table}` : '', s.metric !== undefined ? `metric ${s.metric}` : '']
    .filter(Boolean).join(', ');

const start = (iface: string, settings: DhcpSettings, resolvConf: string): DhcpOp => ({
  backend: 'dhcp', stage: 'dhcp', target: iface, action: 'start', iface, settings,
  description: `start the DHCPv4 client on ${iface} and wait for its lease (${show(settings)})`,
  ...(settings.autoDns ? { resolvConf } : {}),
});
const stop = (iface: string, why: string, had: DhcpSettings, resolvConf: string): DhcpOp => ({
  backend: 'dhcp', stage: 'dhcp', target: iface, action: 'stop', iface,
  description: `stop the DHCPv4 client on ${iface} and remove its lease's addresses, routes${had.autoDns ? ' and DNS servers' : ''} (${why})`,
  ...(had.autoDns ? { resolvConf } : {}),
});

/**
 * Pure: which DHCPv4 clients to start, restart (other auto-* settings) or stop. `running` are the
 * clients supervised now. nmstate's reading: `dhcp: true` runs one; `dhcp: false`, `enabled: false`,
 * an address list without dhcp, or the interface going away stops it; an ipv4 section naming none of
 * these leaves it as it is. A client whose interface is gone from the kernel is stopped too.
 */
export function planDhcp(desired: NetworkState, actual: NetworkState, running: ReadonlyMap<string, DhcpSettings>, resolvConf: string): BackendPlan<DhcpOp> {
  const operations: DhcpOp[] = [];
  const staticServers = desired['dns-resolver']?.config?.server !== undefined;
  const named = new Set<string>();
  for (const d of desired.interfaces ?? []) {
    named.add(d.name);
    const have = running.get(d.name);
    const cfg = d.ipv4;
    if (d.state === 'absent' || d.state === 'down') {
      if (have) operations.push(stop(d.name, `interface ${d.state}`, have, resolvConf));
      continue;
    }
    if (cfg?.dhcp === true && cfg.enabled !== false) {
      const want = settingsOf(cfg, staticServers);
      if (have && sameSettings(have, want)) continue;
      if (have) operations.push(stop(d.name, 'its settings change', have, resolvConf));
      operations.push(start(d.name, want, resolvConf));
    } else if (have && cfg && (cfg.dhcp === false || cfg.enabled === false || cfg.address !== undefined)) {
      operations.push(stop(d.name, 'dhcp is off', have, resolvConf));
    }
  }
  const present = new Set((actual.interfaces ?? []).map((i) => i.name));
  for (const [iface, have] of running) {
    if (!named.has(iface) && !present.has(iface)) operations.push(stop(iface, 'the interface is gone', have, resolvConf));
  }
  return { operations, errors: [] };
}
