import type { NetworkState, Probes } from '@fleetnet/contracts';
import { isDefaultDestination } from '@fleetnet/contracts';
import type { Runner } from '../exec.ts';
import { dnsProbe } from './dns.ts';
import { pingProbe } from './ping.ts';
import type { Probe } from './probe.ts';
import { tcpProbe } from './tcp.ts';

/** Default gateways of the state (every table), each pinged out of its interface. */
export function gateways(state: NetworkState): { address: string; iface?: string }[] {
  const seen = new Set<string>();
  const out: { address: string; iface?: string }[] = [];
  for (const r of state.routes?.config ?? []) {
    const gw = r['next-hop-address'];
    if (!gw || !isDefaultDestination(r.destination)) continue;
    const key = `${gw} ${r['next-hop-interface'] ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ address: gw, iface: r['next-hop-interface'] });
  }
  return out;
}

export const DEFAULT_PROBE_TIMEOUT_S = 5;

/** The probes a policy asks for, given the state before the change (whose gateways are checked). */
export function probesFromPolicy(run: Runner, probes: Probes | undefined, before: NetworkState): Probe[] {
  const out: Probe[] = [];
  if (probes?.gateway !== false) for (const g of gateways(before)) out.push(pingProbe(run, g.address, g.iface));
  for (const p of probes?.ping ?? []) out.push(pingProbe(run, p.address, p.interface));
  for (const t of probes?.tcp ?? []) out.push(tcpProbe(run, t.host, t.port));
  for (const d of probes?.dns ?? []) out.push(dnsProbe(run, d.server, d.name ?? '.'));
  return out;
}
