import { normalizeIp } from '@fleetnet/contracts';
import type { LinkKind } from './kind.ts';

export const vxlan: LinkKind = {
  createLine: (d) => {
    const v = d.vxlan!;
    let line = `link add ${d.name} type vxlan id ${v.id}`;
    if (v.remote) line += ` remote ${v.remote}`;
    if (v.local) line += ` local ${v.local}`;
    if (v['base-iface']) line += ` dev ${v['base-iface']}`;
    // iproute2 warns and the kernel picks the IANA port when none is given; say it explicitly.
    line += ` dstport ${v['destination-port'] ?? 4789}`;
    return line;
  },
  lowers: (i) => (i.vxlan?.['base-iface'] ? [{ name: i.vxlan['base-iface'], field: 'vxlan.base-iface' }] : []),
  needsRecreate: (d, a) => {
    const dv = d.vxlan;
    if (!dv) return false;
    const av = a.vxlan;
    if (!av || dv.id !== av.id) return true;
    if (dv.remote !== undefined && normalizeIp(dv.remote) !== av.remote) return true;
    if (dv.local !== undefined && normalizeIp(dv.local) !== av.local) return true;
    if (dv['base-iface'] !== undefined && dv['base-iface'] !== av['base-iface']) return true;
    return dv['destination-port'] !== undefined && dv['destination-port'] !== av['destination-port'];
  },
  required: { field: 'vxlan', message: 'a new vxlan needs vxlan.id' },
};
