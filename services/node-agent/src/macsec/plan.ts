import type { Interface, NetworkState } from '@fleetnet/contracts';
import type { BackendPlan, Operation, PlanError } from '../backend.ts';
import { macsec as macsecKind } from '../linux/plan/macsec.ts';
import { mkaOf, sameMka, type MkaSettings } from './settings.ts';

export type MacsecOp = Extract<Operation, { backend: 'macsec' }>;

export const NO_SUPPLICANT = 'MACsec MKA needs wpa_supplicant (Debian package wpasupplicant)';

const start = (iface: string, mka: MkaSettings, why: string): MacsecOp => ({
  backend: 'macsec', stage: 'macsec', target: iface, action: 'start', iface, mka,
  description: `start MKA (wpa_supplicant on ${mka.base}, port ${mka.port}, CKN ${mka.ckn}${mka.integOnly ? ', integrity only' : ''}) for ${iface} and wait until it secures the link (${why})`,
});
const stop = (iface: string, why: string): MacsecOp => ({
  backend: 'macsec', stage: 'macsec', target: iface, action: 'stop', iface,
  description: `stop MKA (wpa_supplicant) of ${iface} (${why})`,
});

/**
 * Pure: which MKA supplicants to start, restart or stop. `running` are those supervised now.
 * nmstate's reading: a macsec section with mka-cak and mka-ckn runs one; a macsec section without
 * them, `absent`/`down`, or the link going away stops it; an entry without a macsec section leaves
 * it as it is. A supplicant is restarted when its settings change (the CAK compared by fingerprint)
 * and when the linux backend creates the link anew (the old supplicant follows a link that is gone).
 */
export function planMacsec(desired: NetworkState, actual: NetworkState, running: ReadonlyMap<string, MkaSettings>, haveSupplicant: boolean): BackendPlan<MacsecOp> {
  const operations: MacsecOp[] = [];
  const errors: PlanError[] = [];
  const now = new Map((actual.interfaces ?? []).map((i) => [i.name, i]));
  const named = new Set<string>();
  (desired.interfaces ?? []).forEach((d: Interface, i) => {
    named.add(d.name);
    const have = running.get(d.name);
    if (d.state === 'absent' || d.state === 'down') {
      if (have) operations.push(stop(d.name, `interface ${d.state}`));
      return;
    }
    if (!d.macsec) return;
    const want = mkaOf(d);
    if (!want) {
      // a section naming only the CKN is a state read back (a rollback's target): the CAK cannot be, so leave MKA as it is
      if (have && d.macsec['mka-ckn'] === undefined) operations.push(stop(d.name, 'no MKA keys'));
      return;
    }
    if (!haveSupplicant) {
      errors.push({ path: `interfaces[${i}].macsec.mka-cak`, message: NO_SUPPLICANT });
      return;
    }
    const a = now.get(d.name);
    const newLink = !a || a.type !== 'macsec' || macsecKind.needsRecreate!(d, a);
    if (have && sameMka(have, want) && !newLink) return;
    if (have) operations.push(stop(d.name, newLink ? 'the link is created anew' : 'its settings change'));
    operations.push(start(d.name, want, have ? 'restart' : newLink ? 'new link' : 'not running'));
  });
  for (const iface of running.keys()) {
    if (!named.has(iface) && !now.has(iface)) operations.push(stop(iface, 'the interface is gone'));
  }
  return { operations, errors };
}
