import type { NetworkState } from '@fleetnet/contracts';
import type { HostOp } from './op.ts';

/** sysctl spells a "." inside an interface name (eth1.101) as "/". */
const sysctlKey = (name: string) => `net.ipv4.conf.${name.replace(/\./g, '/')}.forwarding`;

/** Pure: per-interface IPv4 forwarding where the desired state names it and the kernel differs. */
export function planForwarding(desired: NetworkState, actual: NetworkState): HostOp[] {
  const have = new Map((actual.interfaces ?? []).map((i) => [i.name, i.ipv4?.forwarding ?? false]));
  const ops: HostOp[] = [];
  for (const d of desired.interfaces ?? []) {
    const want = d.ipv4?.forwarding;
    if (want === undefined || d.state === 'absent' || d.ipv4?.enabled === false) continue;
    if (have.get(d.name) === want) continue;
    const arg = `${sysctlKey(d.name)}=${want ? 1 : 0}`;
    ops.push({ backend: 'host', stage: 'linux-configure', target: `forwarding ${d.name}`, description: `sysctl -w ${arg}`, argv: ['sysctl', '-q', '-w', arg] });
  }
  return ops;
}
