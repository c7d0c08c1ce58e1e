import type { Interface } from '@fleetnet/contracts';
import { createHash } from 'node:crypto';

/**
 * What one MKA supplicant runs with, as the plan, the checkpoint and the state directory's record see
 * it: everything but the CAK, which appears only as a fingerprint (a plan is printed by `fleetnet-agent
 * plan`, a checkpoint is a file). The CAK itself lives only in the supplicant's config file (0600).
 */
export interface MkaSettings {
  /** the parent NIC the supplicant speaks EAPOL on (`-i`) */
  base: string;
  /** the SCI port: the supplicant finds fleetnet's macsec link by parent and SCI (MAC + port) */
  port: number;
  /** encrypt: false → integrity only */
  integOnly: boolean;
  /** lower-case hex */
  ckn: string;
  /** sha256 of the lower-case CAK, 16 hex digits: tells a changed CAK without keeping it */
  cakFingerprint: string;
}

export const cakFingerprint = (cak: string) => createHash('sha256').update(cak.toLowerCase()).digest('hex').slice(0, 16);

/** Pure: the supplicant a desired macsec interface asks for; undefined without MKA keys. */
export function mkaOf(d: Interface): MkaSettings | undefined {
  const m = d.macsec;
  // the document is canonical here: nmstate's `parent` is base-iface by then
  if (!m?.['mka-cak'] || !m['mka-ckn'] || !m['base-iface']) return undefined;
  return {
    base: m['base-iface'],
    // nmstate's port 0 is the kernel's default port 1 (the link is created with it)
    port: m.port || 1,
    integOnly: !m.encrypt,
    ckn: m['mka-ckn'].toLowerCase(),
    cakFingerprint: cakFingerprint(m['mka-cak']),
  };
}

export const sameMka = (a: MkaSettings, b: MkaSettings) =>
  a.base === b.base && a.port === b.port && a.integOnly === b.integOnly && a.ckn === b.ckn && a.cakFingerprint === b.cakFingerprint;
