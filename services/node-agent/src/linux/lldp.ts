import { readdirSync, readFileSync } from 'node:fs';
import type { NetworkState } from '@fleetnet/contracts';

/** LLDP agents Debian ships: lldpd (and its privilege-separated child), lldpad (open-lldp), ladvd. */
const LLDP_AGENTS: ReadonlySet<string> = new Set(['lldpd', 'lldpad', 'ladvd']);

/**
 * Is an LLDP agent running, other than fleetnet's own lldpd (lldp/, which reports its interfaces
 * itself)? Another one's ports are not known, so its presence turns every ethernet port on (lldpd's
 * default), which errs toward "not in sync", never toward a false "in sync". `counts` says which
 * processes to consider (the agent's: those in its network namespace that are not its own lldpd);
 * without it the whole process table counts.
 */
export function lldpAgentRunning(procRoot = '/proc', counts: (pid: string) => boolean = () => true): boolean {
  let pids: string[];
  try {
    pids = readdirSync(procRoot).filter((d) => /^\d+$/.test(d));
  } catch {
    return false;
  }
  return pids.some((pid) => {
    if (!counts(pid)) return false;
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
