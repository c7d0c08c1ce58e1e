import { normalizeIp, type NetworkState } from '@fleetnet/contracts';
import type { BackendPlan } from '../backend.ts';
import { renderResolvConf } from './resolv-conf.ts';

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Pure: one whole-file replacement of resolv.conf when the servers (an ordered list) or the search
 * list differ from `actual`; none when they match or the desired state names no DNS.
 * `currentText` is the file as it is now, whose unrelated lines are kept.
 */
export function planDns(desired: NetworkState, actual: NetworkState, currentText: string, path: string): BackendPlan {
  const named = desired['dns-resolver']?.config;
  if (!named) return { operations: [], errors: [] };
  // nmstate: `config: {}` removes every static server, search domain and option
  const want = Object.keys(named).length ? named : { server: [], search: [], options: [] };
  const have = actual['dns-resolver']?.config ?? {};
  const norm = (xs: string[] | undefined) => (xs ?? []).map((x) => normalizeIp(x));
  const serversDiffer = want.server !== undefined && !same(norm(want.server), norm(have.server));
  const searchDiffers = want.search !== undefined && !same(want.search, have.search ?? []);
  const sorted = (xs: string[] | undefined) => [...new Set(xs ?? [])].sort();
  const optionsDiffer = want.options !== undefined && !same(sorted(want.options), sorted(have.options));
  if (!serversDiffer && !searchDiffers && !optionsDiffer) return { operations: [], errors: [] };
  const what = [
    serversDiffer ? `servers ${(have.server ?? []).join(',') || '-'} -> ${want.server!.join(',') || '-'}` : '',
    searchDiffers ? `search ${(have.search ?? []).join(',') || '-'} -> ${want.search!.join(',') || '-'}` : '',
    optionsDiffer ? `options ${(have.options ?? []).join(',') || '-'} -> ${want.options!.join(',') || '-'}` : '',
  ].filter(Boolean).join('; ');
  return {
    operations: [{ backend: 'dns', stage: 'dns', target: path, description: `write ${path}: ${what}`, path, content: renderResolvConf(currentText, want) }],
    errors: [],
  };
}
