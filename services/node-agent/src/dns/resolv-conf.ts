import type { DnsConfig } from '@fleetnet/contracts';

/**
 * resolv.conf as text: `nameserver` lines in order, the search list (the last `search`/`domain`
 * line wins, as in the resolver), every other line (options, comments, sortlist) kept verbatim.
 */
export function parseResolvConf(text: string): { server: string[]; search: string[]; options: string[] } {
  const server: string[] = [];
  let search: string[] = [];
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const [key, ...args] = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (key === 'nameserver' && args[0]) server.push(args[0]);
    else if (key === 'search') search = args.filter(Boolean);
    else if (key === 'domain' && args[0]) search = [args[0]];
    else if (key === 'options') options.push(...args.filter(Boolean));
  }
  return { server, search, options };
}

const keyOf = (line: string) => line.trim().split(/\s+/)[0];

/**
 * Pure: the file with the named parts of `config` replaced. The new `nameserver`/`search` lines take
 * the place of the first line they replace (or go to the end); `domain` lines go when a search list
 * is set, because the resolver would let a later one override it. Everything else stays as it was.
 */
export function renderResolvConf(current: string, config: DnsConfig): string {
  const replace = new Set<string>();
  if (config.server) replace.add('nameserver');
  if (config.search) replace.add('search').add('domain');
  if (config.options) replace.add('options');
  const fresh = [
    ...(config.search?.length ? [`search ${config.search.join(' ')}`] : []),
    ...(config.server ?? []).map((s) => `nameserver ${s}`),
    ...(config.options?.length ? [`options ${config.options.join(' ')}`] : []),
  ];
  const lines = current === '' ? [] : current.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let placed = false;
  for (const line of lines) {
    if (replace.has(keyOf(line) ?? '')) {
      if (!placed) out.push(...fresh);
      placed = true;
    } else out.push(line);
  }
  if (!placed) out.push(...fresh);
  return out.length ? `${out.join('\n')}\n` : '';
}
