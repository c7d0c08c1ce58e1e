import type { Backend } from '../backend.ts';
import type { Runner } from '../exec.ts';
import { executeLinux } from './apply.ts';
import { readIpv6Conf, withIpv6Auto } from './ipv6-auto.ts';
import { planLinux } from './plan/index.ts';
import type { ReadScope } from '../read.ts';
import { readLinux } from './read.ts';

/**
 * `foreignLldp`: another LLDP agent than fleetnet's runs here (its ports are reported as LLDP on).
 * `netns`: the runner drives this namespace from outside it. `dhcp6Clients`: the interfaces the
 * agent runs a DHCPv6 client on (reported as ipv6.dhcp, also before a lease came).
 */
export function createLinuxBackend(opts: { run: Runner; foreignLldp?: () => boolean; netns?: string; dhcp6Clients?: () => ReadonlySet<string> }): Backend {
  return {
    name: 'linux',
    read: async (scope?: ReadScope) => {
      // an apply compares and plans only the interfaces its desired state names (by their kernel
      // name: one named by its MAC has its kernel name only after this read, so then all are read)
      const named = scope?.for.interfaces ?? [];
      const only = scope && !named.some((i) => i.identifier === 'mac-address') ? new Set(named.map((i) => i.name)) : undefined;
      const [state, conf] = await Promise.all([readLinux(opts.run, opts.foreignLldp), readIpv6Conf(opts.run, opts.netns !== undefined, only)]);
      return withIpv6Auto(state, conf, opts.dhcp6Clients?.() ?? new Set());
    },
    plan: planLinux,
    execute: (ops) => executeLinux(opts.run, ops),
  };
}
