import { execFileSync } from 'node:child_process';
import { createNetns } from './netns.ts';

/**
 * Which link types this kernel can create, found by trying, in a throwaway namespace. Tests of a
 * missing feature are skipped with the reason, never passed.
 */
export interface KernelProbe {
  bond?: string;
  vlan?: string;
  dummy?: string;
  macvlan?: string;
  vxlan?: string;
}

let cached: KernelProbe | undefined;

/** For each feature, undefined when available, or the reason it is not. */
export function probeKernel(): KernelProbe {
  if (cached) return cached;
  const ns = createNetns('probe');
  const tryAdd = (args: string[]): string | undefined => {
    try {
      execFileSync('ip', ['-n', ns.name, 'link', 'add', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      return undefined;
    } catch (e) {
      const stderr = String((e as { stderr?: Buffer }).stderr ?? '').trim();
      return `the kernel cannot create "${args.slice(args.indexOf('type') + 1).join(' ')}" links: ${stderr || 'unknown error'}`;
    }
  };
  try {
    tryAdd(['pbase', 'type', 'veth', 'peer', 'name', 'ppeer']);
    cached = {
      bond: tryAdd(['pbond', 'type', 'bond']),
      vlan: tryAdd(['pvlan', 'link', 'pbase', 'type', 'vlan', 'id', '10']),
      dummy: tryAdd(['pdummy', 'type', 'dummy']),
      macvlan: tryAdd(['pmv', 'link', 'pbase', 'type', 'macvlan', 'mode', 'bridge']),
      vxlan: tryAdd(['pvx', 'type', 'vxlan', 'id', '42', 'dstport', '4789']),
    };
  } finally {
    ns.remove();
  }
  return cached;
}
