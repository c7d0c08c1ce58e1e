import { execFileSync } from 'node:child_process';
import type { Scenario } from './scenario.ts';

/**
 * The end state as the kernel shows it (`ip -j`), reduced to what the scenario is about and read by the
 * bench itself, not by any of the methods it measures: every link but `lo` with kind, MTU, admin state,
 * bridge (master), veth peer and STP; every address that is not link-local; every route that the kernel
 * did not make itself (all tables). Extra links, addresses or routes count as differences too.
 */
export interface LinkView {
  kind: string | null;
  mtu: number;
  up: boolean;
  master: string | null;
  peer: string | null;
  stp: number | null;
}

export interface EndState {
  links: Record<string, LinkView>;
  /** link name -> sorted `ip/len` */
  addresses: Record<string, string[]>;
  /** sorted `dst via gw dev X table T` */
  routes: string[];
}

const ipJson = (ns: string, args: string[]): any[] =>
  JSON.parse(execFileSync('ip', ['-n', ns, '-j', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString() || '[]');

const isLinkLocal = (ip: string) => /^fe80:/i.test(ip) || /^169\.254\./.test(ip);

export function readEndState(ns: string): EndState {
  const links: Record<string, LinkView> = {};
  for (const l of ipJson(ns, ['-d', 'link', 'show'])) {
    if (l.ifname === 'lo') continue;
    const kind = l.linkinfo?.info_kind ?? null;
    links[l.ifname] = {
      kind,
      mtu: l.mtu,
      up: (l.flags ?? []).includes('UP'),
      master: l.master ?? null,
      peer: kind === 'veth' ? (l.link ?? null) : null,
      stp: kind === 'bridge' ? (l.linkinfo?.info_data?.stp_state ?? null) : null,
    };
  }
  const addresses: Record<string, string[]> = {};
  for (const l of ipJson(ns, ['addr', 'show'])) {
    if (l.ifname === 'lo') continue;
    const list = (l.addr_info ?? []).filter((a: any) => !isLinkLocal(a.local)).map((a: any) => `${a.local}/${a.prefixlen}`).sort();
    if (list.length) addresses[l.ifname] = list;
  }
  const routes: string[] = [];
  for (const fam of ['-4', '-6']) {
    for (const r of ipJson(ns, [fam, 'route', 'show', 'table', 'all'])) {
      if (r.protocol === 'kernel' || r.table === 'local' || (r.type && r.type !== 'unicast')) continue;
      routes.push(`${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''} table ${r.table ?? 'main'}`);
    }
  }
  routes.sort();
  return { links, addresses, routes };
}

/** What the kernel must show once the scenario is applied. */
export function expectedEndState(s: Scenario): EndState {
  const links: Record<string, LinkView> = {
    [s.bridge]: { kind: 'bridge', mtu: s.mtu, up: true, master: null, peer: null, stp: 0 },
  };
  const addresses: Record<string, string[]> = {};
  const routes: string[] = [];
  for (const p of s.ports) {
    links[p.name] = { kind: 'veth', mtu: s.mtu, up: true, master: s.bridge, peer: p.peer, stp: null };
    links[p.peer] = { kind: 'veth', mtu: s.mtu, up: true, master: null, peer: p.name, stp: null };
    addresses[p.peer] = [...p.addresses].sort();
    routes.push(`${p.route.destination} via ${p.route.gateway} dev ${p.peer} table main`);
  }
  routes.sort();
  return { links, addresses, routes };
}

/** Every difference between two end states, one readable line each; empty when equal. */
export function diffEndStates(expected: EndState, actual: EndState): string[] {
  const out: string[] = [];
  const names = [...new Set([...Object.keys(expected.links), ...Object.keys(actual.links)])].sort();
  for (const n of names) {
    const e = expected.links[n];
    const a = actual.links[n];
    if (!a) out.push(`link ${n}: missing`);
    else if (!e) out.push(`link ${n}: unexpected (${a.kind ?? 'unknown kind'})`);
    else {
      for (const k of Object.keys(e) as (keyof LinkView)[]) {
        if (e[k] !== a[k]) out.push(`link ${n}: ${k} expected ${JSON.stringify(e[k])}, actual ${JSON.stringify(a[k])}`);
      }
    }
  }
  const addrNames = [...new Set([...Object.keys(expected.addresses), ...Object.keys(actual.addresses)])].sort();
  for (const n of addrNames) {
    const e = expected.addresses[n] ?? [];
    const a = actual.addresses[n] ?? [];
    for (const x of e) if (!a.includes(x)) out.push(`address ${x} on ${n}: missing`);
    for (const x of a) if (!e.includes(x)) out.push(`address ${x} on ${n}: unexpected`);
  }
  for (const r of expected.routes) if (!actual.routes.includes(r)) out.push(`route ${r}: missing`);
  for (const r of actual.routes) if (!expected.routes.includes(r)) out.push(`route ${r}: unexpected`);
  return out;
}

export class EndStateMismatch extends Error {
  override name = 'EndStateMismatch';
  constructor(readonly method: string, readonly k: number, readonly differences: string[]) {
    const shown = differences.slice(0, 12);
    super(
      `${method} at K=${k} did not reach the expected end state (${differences.length} difference${differences.length === 1 ? '' : 's'}):\n` +
        shown.map((d) => `  - ${d}`).join('\n') +
        (differences.length > shown.length ? `\n  … and ${differences.length - shown.length} more` : ''),
    );
  }
}

/** Reads the namespace and throws EndStateMismatch naming every difference from the scenario. */
export function checkEndState(ns: string, s: Scenario, method: string): EndState {
  const actual = readEndState(ns);
  const diff = diffEndStates(expectedEndState(s), actual);
  if (diff.length) throw new EndStateMismatch(method, s.k, diff);
  return actual;
}
