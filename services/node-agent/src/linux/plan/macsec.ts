import type { Interface } from '@fleetnet/contracts';
import type { LinkKind } from './kind.ts';

const onOff = (b: boolean) => (b ? 'on' : 'off');

/**
 * A MACsec SecY on `base-iface`. iproute2 refuses `port 0`; nmstate's examples use 0 for "the
 * default", which is port 1. Everything is fixed at creation: a change re-creates the link.
 * With mka-cak/mka-ckn the link is still created here, under its own name: the MKA supplicant
 * (macsec/, a later stage) finds it by parent and SCI port and keys it (see macsec/index.ts).
 */
export const macsec: LinkKind = {
  createLine: (d) => {
    const m = d.macsec!;
    return `link add link ${m['base-iface']} ${d.name} type macsec port ${m.port || 1} encrypt ${onOff(m.encrypt)} send_sci ${onOff(m['send-sci'])} validate ${m.validation}${m.offload ? ` offload ${m.offload}` : ''}`;
  },
  // planned documents are canonical (contracts/canonical.ts): nmstate's `parent` is base-iface by then
  lowers: (i) => (i.macsec?.['base-iface'] ? [{ name: i.macsec['base-iface'], field: 'macsec.base-iface' }] : []),
  needsRecreate: (d: Interface, a: Interface) => {
    const m = d.macsec;
    const h = a.macsec;
    if (!m) return false;
    return m['base-iface'] !== h?.['base-iface'] || m.encrypt !== h?.encrypt || m.validation !== h?.validation ||
      m['send-sci'] !== h?.['send-sci'] || (m.port || 1) !== (h?.port || 1) || (m.offload !== undefined && m.offload !== h?.offload);
  },
  required: { field: 'macsec', message: 'a new macsec needs macsec.base-iface, encrypt, port, validation and send-sci' },
};
