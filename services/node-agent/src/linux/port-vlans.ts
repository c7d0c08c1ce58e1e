import type { PortVlan } from '@fleetnet/contracts';

/**
 * VLANs of Linux bridge ports (VLAN filtering): nmstate's port `vlan` block <-> the kernel's
 * per-port VLAN entries (`bridge -j -c vlan show`), and the `bridge vlan` commands between them.
 */

/** One entry of `bridge -j -c vlan show` (a range when vlanEnd is set). */
export interface BridgeVlanEntry {
  vlan: number;
  vlanEnd?: number;
  flags?: string[];
}
export interface BridgeVlanPort {
  ifname: string;
  vlans?: BridgeVlanEntry[];
}

/** A VLAN id on a port: `native` = PVID and egress untagged (access VLAN or a trunk's native one). */
type Entries = Map<number, { native: boolean }>;

function wantedEntries(v: PortVlan): Entries {
  const out: Entries = new Map();
  if ((v.mode ?? 'access') === 'access') {
    if (v.tag !== undefined) out.set(v.tag, { native: true });
    return out;
  }
  for (const t of v['trunk-tags'] ?? []) {
    const [lo, hi] = t.id !== undefined ? [t.id, t.id] : [t['id-range']!.min, t['id-range']!.max];
    for (let id = lo; id <= hi; id++) out.set(id, { native: false });
  }
  if (v.tag !== undefined) out.set(v.tag, { native: true });
  return out;
}

function kernelEntries(vlans: readonly BridgeVlanEntry[]): Entries {
  const out: Entries = new Map();
  for (const e of vlans) {
    const native = (e.flags ?? []).includes('PVID') && (e.flags ?? []).includes('Egress Untagged');
    for (let id = e.vlan; id <= (e.vlanEnd ?? e.vlan); id++) out.set(id, { native });
  }
  return out;
}

/** Sorted ids as `a-b` runs for `bridge vlan ... vid`. */
function runs(ids: number[]): string[] {
  const sorted = [...ids].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out;
}

/** The port's VLANs in nmstate's form: one native entry alone is an access port, anything else a trunk. */
export function portVlanOf(vlans: readonly BridgeVlanEntry[]): PortVlan | undefined {
  const e = kernelEntries(vlans);
  if (!e.size) return undefined;
  const native = [...e].find(([, x]) => x.native)?.[0];
  const tagged = [...e].filter(([, x]) => !x.native).map(([id]) => id);
  if (!tagged.length && native !== undefined) return { mode: 'access', tag: native };
  const trunkTags = runs(tagged).map((r) => {
    const [lo, hi] = r.split('-').map(Number);
    return hi === undefined ? { id: lo! } : { 'id-range': { min: lo!, max: hi } };
  });
  return { mode: 'trunk', ...(native !== undefined ? { tag: native, 'enable-native': true } : {}), 'trunk-tags': trunkTags };
}

/**
 * `bridge vlan` lines (for `bridge -batch -`) that take port `port` from `have` to `want`: entries it
 * should not have go first. A port that just joined a filtering bridge, or whose bridge starts
 * filtering now, has the kernel's default: VLAN 1 as PVID, untagged (pass `{mode: 'access', tag: 1}`).
 */
export function portVlanLines(port: string, want: PortVlan, have: PortVlan | undefined): string[] {
  const w = wantedEntries(want);
  const h = have ? wantedEntries(have) : new Map();
  const drop = [...h].filter(([id, x]) => !w.has(id) || w.get(id)!.native !== x.native).map(([id]) => id);
  const add = [...w].filter(([id, x]) => !h.has(id) || h.get(id)!.native !== x.native);
  return [
    ...runs(drop).map((r) => `vlan del dev ${port} vid ${r}`),
    ...runs(add.filter(([, x]) => !x.native).map(([id]) => id)).map((r) => `vlan add dev ${port} vid ${r}`),
    ...add.filter(([, x]) => x.native).map(([id]) => `vlan add dev ${port} vid ${id} pvid untagged`),
  ];
}
