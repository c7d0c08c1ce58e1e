import { readFile } from 'node:fs/promises';
import type { NetworkState } from '@fleetnet/contracts';
import { parseResolvConf } from './resolv-conf.ts';

/** The file's text; a missing file is an empty one (no servers, no search list). */
export async function readResolvText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
}

export function dnsStateFromText(text: string): NetworkState {
  return { 'dns-resolver': { config: parseResolvConf(text) } };
}

export async function readDns(path: string): Promise<NetworkState> {
  return dnsStateFromText(await readResolvText(path));
}
