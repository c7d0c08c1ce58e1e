import type { Interface } from '@fleetnet/contracts';

/**
 * The section of a mac-vlan, mac-vtap or macsec link from its `ip -d -j link` entry (`link` is its
 * lower device, `info` its info_data). Nothing when the lower device is in another namespace.
 */
export function kindSections(type: 'mac-vlan' | 'mac-vtap' | 'macsec', link: string | undefined, info: Record<string, any>): Partial<Interface> {
  if (!link) return {};
  if (type === 'macsec') {
    // the SCI is the MAC address and the port: its last four hex digits
    const sci = typeof info.sci === 'string' ? info.sci : '';
    return {
      macsec: {
        'base-iface': link,
        encrypt: info.encrypt === true || info.encrypt === 'on',
        port: sci.length >= 4 ? Number.parseInt(sci.slice(-4), 16) : 1,
        validation: info.validation ?? 'strict',
        'send-sci': info.inc_sci === true || info.inc_sci === 'on',
        ...(info.offload ? { offload: info.offload } : {}),
      },
    };
  }
  // iproute2 prints nopromisc only when it is set
  return { [type]: { 'base-iface': link, mode: info.mode ?? 'vepa', promiscuous: info.nopromisc !== true } };
}
