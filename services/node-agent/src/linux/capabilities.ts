import { randomBytes } from 'node:crypto';
import type { Runner } from '../exec.ts';

/** Link types whose kernel support is often missing (modules not built in, none loadable). */
const UNCERTAIN = ['bond', 'vlan', 'dummy', 'macvlan', 'mac-vlan', 'mac-vtap', 'macsec', 'vxlan', 'vrf', 'ipvlan'] as const;
/** Types that need a lower device, and the `ip link add NAME link BASE ...` arguments that test them. */
const ON_BASE: Readonly<Record<string, string[]>> = {
  vlan: ['type', 'vlan', 'id', '10'],
  macvlan: ['type', 'macvlan', 'mode', 'bridge'],
  'mac-vlan': ['type', 'macvlan', 'mode', 'bridge'],
  'mac-vtap': ['type', 'macvtap', 'mode', 'bridge'],
  macsec: ['type', 'macsec'],
  ipvlan: ['type', 'ipvlan', 'mode', 'l2'],
};

/**
 * Which of the uncertain link types this kernel can create, found by trying: sysfs cannot tell a
 * built-in driver without parameters from a missing one. The trial links get random names and are
 * deleted at once. Only types the plan needs are tried, and each at most once per process.
 */
export function createCapabilities(run: Runner) {
  const cache = new Map<string, string | undefined>();
  async function tryType(type: string): Promise<string | undefined> {
    const id = randomBytes(3).toString('hex');
    const base = `fncb${id}`;
    const name = `fnc${id}`;
    const add = async (args: string[]) => {
      const r = await run('ip', ['link', 'add', ...args]);
      return r.exitCode === 0 ? undefined : r.stderr.trim() || `exit ${r.exitCode}`;
    };
    const del = (n: string) => run('ip', ['link', 'del', n]);
    const onBase = ON_BASE[type];
    if (onBase) {
      const baseErr = await add([base, 'type', 'veth', 'peer', 'name', `${base}p`]);
      if (baseErr) return `cannot create a veth to test ${type} on: ${baseErr}`;
      try {
        const err = await add([name, 'link', base, ...onBase]);
        if (!err) await del(name);
        return err;
      } finally {
        await del(base);
      }
    }
    const err = await add(type === 'vxlan' ? [name, 'type', 'vxlan', 'id', '42', 'dstport', '4789'] : type === 'vrf' ? [name, 'type', 'vrf', 'table', '4242'] : [name, 'type', type]);
    if (!err) await del(name);
    return err;
  }
  return {
    /** For each of `types` the kernel cannot create, the reason. */
    async unsupported(types: Iterable<string>): Promise<Record<string, string>> {
      const out: Record<string, string> = {};
      for (const t of new Set(types)) {
        if (!(UNCERTAIN as readonly string[]).includes(t)) continue;
        if (!cache.has(t)) cache.set(t, await tryType(t));
        const reason = cache.get(t);
        if (reason) out[t] = `the kernel cannot create ${t} links (${reason})`;
      }
      return out;
    },
  };
}
export type Capabilities = ReturnType<typeof createCapabilities>;
