import type { MkaSettings } from './settings.ts';

/**
 * Pure: wpa_supplicant's configuration for MKA with a pre-shared CAK on a wired port (driver
 * macsec_linux): no 802.1X authentication (key_mgmt=NONE, eapol_flags=0), MACsec "should secure"
 * (macsec_policy=1), the CAK/CKN pair, and the SCI port of fleetnet's macsec link so the supplicant
 * takes that link over instead of creating a macsecN of its own. `ctrlDir` holds its control socket
 * (wpa_cli asks it whether the link is secured).
 */
export function renderConfig(s: MkaSettings, cak: string, ctrlDir: string): string {
  return [
    '# written by fleetnet-agent: MACsec MKA of one macsec link; regenerated on every start',
    `ctrl_interface=${ctrlDir}`,
    'eapol_version=3',
    'ap_scan=0',
    'network={',
    '\tkey_mgmt=NONE',
    '\teapol_flags=0',
    '\tmacsec_policy=1',
    `\tmacsec_integ_only=${s.integOnly ? 1 : 0}`,
    `\tmacsec_port=${s.port}`,
    `\tmka_cak=${cak.toLowerCase()}`,
    `\tmka_ckn=${s.ckn}`,
    '}',
    '',
  ].join('\n');
}

/** Pure: `wpa_cli status` → is the MACsec channel secured, and with which CKN. */
export function parseStatus(text: string): { secured: boolean; ckn?: string } {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    // the first of each key: the KaY's own lines come before its participants'
    if (i > 0 && !kv.has(line.slice(0, i))) kv.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  const ckn = kv.get('ckn')?.toLowerCase();
  return { secured: kv.get('Secured') === 'Yes', ...(ckn ? { ckn } : {}) };
}

/**
 * Pure: the `ip` argument lists that remove what a previous supplicant left on the link (`ip macsec
 * show DEV`): its TX SAs and RX channels. A new supplicant adds SAs of its own numbers and fails on
 * any that exist (e.g. after the old one was killed), so the link is cleared before it starts.
 */
export function staleSecureChannels(dev: string, macsecShow: string): string[][] {
  const out: string[][] = [];
  let inTx = false;
  for (const line of macsecShow.split('\n')) {
    const rx = /^\s*RXSC: ([0-9a-f]{16})\b/i.exec(line);
    if (rx) {
      inTx = false;
      out.push(['macsec', 'del', dev, 'rx', 'sci', rx[1]!.toLowerCase()]);
      continue;
    }
    if (/^\s*TXSC:/.test(line)) {
      inTx = true;
      continue;
    }
    const sa = /^\s+(\d): PN /.exec(line);
    // the kernel refuses to delete an active TX SA (EBUSY): off first
    if (sa && inTx) out.push(['macsec', 'set', dev, 'tx', 'sa', sa[1]!, 'off'], ['macsec', 'del', dev, 'tx', 'sa', sa[1]!]);
    else if (!sa) inTx = false;
  }
  return out;
}
