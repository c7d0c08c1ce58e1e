import { hostname, release } from 'node:os';
import { buildInfo, type Facts, type Nic } from '@fleetnet/contracts';
import type { Agent } from '../agent.ts';
import { createCapabilities } from '../linux/capabilities.ts';
import type { Logger } from '../log.ts';
import { readNics } from '../sriov/index.ts';

/** The agent's version (what the controller shows next to each host): baked into the built binary. */
export const agentVersion = (): string => buildInfo().version;

/**
 * What the hello tells the controller about this host: NICs with their PCI ids and drivers, the
 * kernel release, and which link types the kernel can really create (found by trying them inside the
 * agent's namespace, since a module may be present on disk but not loadable).
 */
export async function gatherFacts(agent: Agent, opts: { sysfsRoot: string; log: Logger }): Promise<Facts> {
  let nics: Nic[] = [];
  try {
    nics = readNics(opts.sysfsRoot);
  } catch (e) {
    opts.log.warn({ err: (e as Error).message, sysfsRoot: opts.sysfsRoot }, 'cannot read the NIC inventory');
  }
  const unsupported = await createCapabilities(agent.run).unsupported(['bond', 'vlan', 'dummy', 'macvlan', 'vxlan']);
  return {
    nics,
    kernel: {
      release: release(),
      capabilities: {
        bond: !unsupported.bond,
        vlan: !unsupported.vlan,
        dummy: !unsupported.dummy,
        macvlan: !unsupported.macvlan,
        vxlan: !unsupported.vxlan,
        ovs: agent.backends.some((b) => b.name === 'ovs'),
      },
    },
    hostname: hostname(),
  };
}
