import type { Interface, NetworkState } from '@fleetnet/contracts';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ExecutionError, type Backend } from '../backend.ts';
import type { Runner } from '../exec.ts';
import { kindSections } from '../linux/parse-kinds.ts';
import type { Logger } from '../log.ts';
import { planMacsec, type MacsecOp } from './plan.ts';
import { cakFingerprint } from './settings.ts';
import { createMkaSupervisor, type MkaSupervisor } from './supervisor.ts';

export { planMacsec, NO_SUPPLICANT } from './plan.ts';
export { renderConfig, parseStatus, staleSecureChannels } from './config.ts';
export { mkaOf, cakFingerprint } from './settings.ts';

/** How long an apply waits for MKA to secure a macsec link before it fails (and rolls back). */
export const DEFAULT_MKA_TIMEOUT_MS = 30_000;

export type MacsecBackend = Backend & { supervisor: MkaSupervisor };

/** Is wpa_supplicant installed where the agent's commands find it (PATH, and the sbin directories)? */
function supplicantInstalled(): boolean {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  return dirs.some((d) => d && existsSync(join(d, 'wpa_supplicant')));
}

/**
 * MACsec MKA: one supervised wpa_supplicant per macsec link with mka-cak/mka-ckn. The linux backend
 * creates the link under its own name (port, encrypt, validation, send-sci); the supplicant, started
 * afterwards on the same parent with the same SCI port, finds that link ("link already exists, using
 * it") and installs the SAs it agrees with the peer, bringing the link up once secured (down until
 * then). Stopping it leaves the link (it did not create it): the linux backend removes links.
 *
 * Read back: a macsec link whose supplicant answers reports `mka-ckn` (what the supplicant says it
 * runs); the CAK is never read back nor reported (the kernel does not expose it either).
 */
export function createMacsecBackend(opts: { stateDir: string; run: Runner; log: Logger; timeoutMs?: number }): MacsecBackend {
  const { run } = opts;
  const supervisor = createMkaSupervisor({ dir: join(opts.stateDir, 'macsec'), run, log: opts.log });
  const timeoutMs = opts.timeoutMs ?? DEFAULT_MKA_TIMEOUT_MS;
  // the CAKs of the last plan, by fingerprint: operations carry only the fingerprint (they are printed and checkpointed)
  const caks = new Map<string, string>();

  const startAndWait = async (o: MacsecOp) => {
    const cak = caks.get(o.mka!.cakFingerprint);
    const argv = ['wpa_supplicant', '-D', 'macsec_linux', '-i', o.mka!.base];
    if (!cak) throw new ExecutionError(`the MKA key of ${o.iface} is not known to this process (plan again)`, o, argv, '', undefined);
    try {
      await supervisor.start(o.iface, o.mka!, cak);
    } catch (e) {
      const msg = (e as Error).message;
      throw new ExecutionError(msg, o, argv, msg, undefined);
    }
    if (!(await supervisor.waitSecured(o.iface, timeoutMs))) {
      await supervisor.stop(o.iface);
      const msg = `MKA did not secure ${o.iface} within ${Math.round(timeoutMs / 1000)} s (no peer on ${o.mka!.base} with this CKN and CAK?); the supplicant was stopped`;
      throw new ExecutionError(msg, o, argv, msg, undefined);
    }
  };

  return {
    name: 'macsec',
    supervisor,
    async read(): Promise<NetworkState> {
      const running = supervisor.running();
      if (!running.size) return {};
      // the whole macsec section (an overlay replaces it), the kernel's part read as the linux backend does
      const r = await run('ip', ['-d', '-j', 'link', 'show', 'type', 'macsec'], { quiet: true, timeoutMs: 10_000 });
      let links: any[] = [];
      try {
        links = r.exitCode === 0 ? JSON.parse(r.stdout) : [];
      } catch {
        links = [];
      }
      const out: Interface[] = [];
      for (const l of links) {
        if (!running.has(l.ifname)) continue;
        const section = kindSections('macsec', l.link ?? undefined, l.linkinfo?.info_data ?? {}).macsec;
        const st = await supervisor.status(l.ifname);
        if (section && st?.ckn) out.push({ name: l.ifname, macsec: { ...section, 'mka-ckn': st.ckn } });
      }
      return out.length ? { interfaces: out } : {};
    },
    plan(desired, actual) {
      // only the keys of this plan (its execute follows it): a daemon rotating keys for months keeps no old ones
      caks.clear();
      for (const d of desired.interfaces ?? []) {
        const cak = d.macsec?.['mka-cak'];
        if (cak) caks.set(cakFingerprint(cak), cak);
      }
      return planMacsec(desired, actual, supervisor.running(), supplicantInstalled());
    },
    async execute(operations) {
      for (const o of operations as MacsecOp[]) {
        if (o.action === 'start') await startAndWait(o);
        else await supervisor.stop(o.iface);
      }
    },
  };
}
