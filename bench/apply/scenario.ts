import type { NetworkState } from '@fleetnet/contracts';

/**
 * The end state every method must reach for K ports, in a fresh network namespace:
 *
 * - `br0`: a Linux bridge, up, MTU 9000, STP off, whose ports are `p0` … `p{K-1}`;
 * - `pN`: a veth, port of br0, MTU 9000, up; its peer `pNh` is in the same namespace;
 * - `pNh`: the other end of the pair, MTU 9000, up, with 2 IPv4 addresses (`10.N.0.1/24`, `10.N.1.1/24`)
 *   and 1 route (`172.16.N.0/24 via 10.N.0.254`).
 *
 * The addresses sit on the far end of each pair, not on the bridge port itself: a bridge port carries no
 * L3 address in practice, and ifupdown2 refuses to put one there, so "the same end state" would not
 * be reachable by all methods otherwise. IPv4 only, so that no method waits for IPv6 DAD.
 */
export interface Scenario {
  k: number;
  bridge: string;
  mtu: number;
  ports: Port[];
}

export interface Port {
  /** the bridge port (veth end enslaved to the bridge) */
  name: string;
  /** the other end of the veth pair, which carries the addresses and the route */
  peer: string;
  /** `a.b.c.d/len` */
  addresses: [string, string];
  route: { destination: string; gateway: string };
}

export const MAX_K = 200;

export function scenario(k: number): Scenario {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new Error(`K must be an integer from 1 to ${MAX_K} (got ${k})`);
  const ports: Port[] = [];
  for (let n = 0; n < k; n++) {
    ports.push({
      name: `p${n}`,
      peer: `p${n}h`,
      addresses: [`10.${n}.0.1/24`, `10.${n}.1.1/24`],
      route: { destination: `172.16.${n}.0/24`, gateway: `10.${n}.0.254` },
    });
  }
  return { k, bridge: 'br0', mtu: 9000, ports };
}

const addr = (cidr: string) => {
  const [ip, len] = cidr.split('/');
  return { ip: ip!, 'prefix-length': Number(len) };
};

/** The scenario as fleetnet's desired NetworkState (nmstate-like schema of @fleetnet/contracts). */
export function desiredState(s: Scenario): NetworkState {
  return {
    interfaces: [
      {
        name: s.bridge,
        type: 'linux-bridge',
        state: 'up',
        mtu: s.mtu,
        bridge: { options: { stp: { enabled: false } }, port: s.ports.map((p) => ({ name: p.name })) },
      },
      ...s.ports.flatMap((p) => [
        { name: p.name, type: 'veth' as const, state: 'up' as const, mtu: s.mtu, veth: { peer: p.peer } },
        {
          name: p.peer,
          type: 'veth' as const,
          state: 'up' as const,
          mtu: s.mtu,
          veth: { peer: p.name },
          ipv4: { enabled: true, address: p.addresses.map(addr) },
        },
      ]),
    ],
    routes: {
      config: s.ports.map((p) => ({ destination: p.route.destination, 'next-hop-address': p.route.gateway, 'next-hop-interface': p.peer })),
    },
  };
}
