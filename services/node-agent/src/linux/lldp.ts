import { readdirSync, readFileSync } from 'node:fs';
import type { NetworkState } from '@fleetnet/contracts';

/** LLDP agents Debian ships: lldpd (and its privilege-separated child), lldpad (open-lldp), ladvd. */
const LLDP_AGENTS: ReadonlySet<string> = new Set(['lldpd', 'lldpad', 'ladvd']);

/**
 * Is an LLDP agent running? fleetnet runs none, so `lldp: {enabled: false}` is in sync exactly when no
 * other one does. The process table is the machine's, not a namespace's: an agent found anywhere
 * counts (lldpd's default is every ethernet port), which errs toward "not in sync", never toward a false "in sync".
 */
export function lldpAgentRunning(procRoot = '/proc'): boolean {
  let pids: string[];
  try {
    pids = readdirSync(procRoot).filter((d) => /^\d+$/.test(d));
  } catch {
    return false;
  }
  return pids.some((pid) => {
    try {
      return LLDP_AGENTS.has(readFileSync(`${procRoot}/${pid}/comm`, 'utf8').trim());
    } catch {
      return false; // the process ended between the listing and the read
    }
  });
}

/** Pure: ethernet interfaces get `lldp: {enabled: true}` when an LLDP agent runs; otherwise nothing is reported (off). */
export function withLldp(state: NetworkState, agentRunning: boolean): NetworkState {
  if (!agentRunning) return state;
  return { ...state, interfaces: (state.interfaces ?? []).map((i) => (i.type === 'ethernet' ? { ...i, lldp: { enabled: true } } : i)) };
}
