import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent, type Agent } from '../src/index.ts';
import { createLogger } from '../src/log.ts';
import { onExit } from '../../../test/support/cleanup.ts';
import type { Netns } from '../../../test/support/netns.ts';

export interface TestAgent {
  agent: Agent;
  dir: string;
  stateDir: string;
  cleanup(): void;
}

/** An in-process agent driving `ns` (every command under `ip netns exec`), with its own temp dirs. */
export function agentIn(ns: Netns, opts: { ovsDb?: string } = {}): TestAgent {
  const dir = mkdtempSync(join(tmpdir(), 'fleetnet-agent-test-'));
  const remove = onExit(`dir-${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\n');
  const stateDir = join(dir, 'state');
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const agent = createAgent({
    stateDir, log, netns: ns.name, sysfsRoot: join(dir, 'sys'), resolvConf: join(dir, 'resolv.conf'),
    ovsDb: opts.ovsDb, ovs: opts.ovsDb !== undefined,
  });
  return { agent, dir, stateDir, cleanup: () => { remove(); rmSync(dir, { recursive: true, force: true }); } };
}

/** The kernel's view, read by the test itself (not by the agent). */
export const link = (ns: Netns, name: string) => (ns.ipJson('-d', 'link', 'show', 'dev', name) as any[])[0];
export const links = (ns: Netns) => (ns.ipJson('-d', 'link', 'show') as any[]).map((l) => l.ifname as string);
export const addrs = (ns: Netns, name: string) =>
  ((ns.ipJson('addr', 'show', 'dev', name) as any[])[0]?.addr_info ?? [])
    .filter((a: any) => a.scope !== 'link')
    .map((a: any) => `${a.local}/${a.prefixlen}`)
    .sort();
export const routes = (ns: Netns, fam: '-4' | '-6') =>
  (ns.ipJson(fam, 'route', 'show') as any[]).filter((r) => r.protocol !== 'kernel').map((r) => `${r.dst} via ${r.gateway} dev ${r.dev}`).sort();

/** Everything a test can see in a namespace, to compare before/after: links, addresses, routes of all tables. */
export function snapshot(ns: Netns): string {
  const byName = (x: { name: string }, y: { name: string }) => x.name.localeCompare(y.name);
  const l = (ns.ipJson('-d', 'link', 'show') as any[]).map((x) => ({
    name: x.ifname, mtu: x.mtu, flags: x.flags.filter((f: string) => f !== 'LOWER_UP' && f !== 'NO-CARRIER' && f !== 'M-DOWN'),
    master: x.master, address: x.address, kind: x.linkinfo?.info_kind, stp: x.linkinfo?.info_data?.stp_state,
  })).sort(byName);
  const a = (ns.ipJson('addr', 'show') as any[]).map((x) => ({
    name: x.ifname,
    addrs: (x.addr_info ?? []).map((i: any) => `${i.local}/${i.prefixlen}`).sort(),
  })).sort(byName);
  const text = (r: any) => JSON.stringify(r, Object.keys(r).filter((k) => k !== 'expires').sort());
  const r4 = (ns.ipJson('-4', 'route', 'show', 'table', 'all') as any[]).map(text).sort();
  const r6 = (ns.ipJson('-6', 'route', 'show', 'table', 'all') as any[]).map(text).sort();
  return JSON.stringify({ l, a, r4, r6 }, null, 1);
}

/** The agent's own full read, in a stable order, for before/after equality. */
export async function agentView(t: TestAgent): Promise<string> {
  const s = await t.agent.read();
  const ifaces = [...(s.interfaces ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const routes = [...(s.routes?.config ?? [])].map((r) => JSON.stringify(r)).sort();
  return JSON.stringify({ ifaces, routes, dns: s['dns-resolver'] }, null, 1);
}

/** Waits until IPv6 duplicate address detection is over (no tentative address), so snapshots are stable. */
export async function settled(ns: Netns): Promise<void> {
  const { waitFor } = await import('../../../test/support/ports.ts');
  await waitFor(() => !(ns.ipJson('addr', 'show') as any[]).some((l) => (l.addr_info ?? []).some((a: any) => a.tentative)), 15_000, 'IPv6 DAD');
}
