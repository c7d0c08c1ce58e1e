import { stringify } from 'yaml';
import type { NetworkState } from '@fleetnet/contracts';
import { bootVm, type ExecResult, type Vm, type VmOptions } from './vm-machine.ts';
import { vmUnavailable } from './vm-image.ts';

/**
 * A VM for one test file: booted once (`startVmHost` in `test.before`), many commands through the
 * guest's one command server, killed by pid in `stop()` and when the process exits however it ends.
 * Tests read the kernel themselves (`ip -d -j`), never through the agent.
 */
export interface VmHost {
  vm: Vm;
  /** `sh -c cmd` as root in the VM */
  exec(cmd: string, env?: Record<string, string>): Promise<ExecResult>;
  /** like exec, but throws with stderr when the exit code is not 0; returns stdout */
  sh(cmd: string): Promise<string>;
  /** `ip -d -j ARGS` parsed (in namespace `ns` when given, e.g. "peer") */
  ip<T = any>(args: string, ns?: string): Promise<T>;
  /** one link as `ip -d -j link show` describes it, or undefined */
  link(name: string, ns?: string): Promise<any | undefined>;
  /** writes a file in the VM */
  write(path: string, content: string): Promise<void>;
  /** writes the state as YAML and runs `fleetnet-agent apply -f` on it */
  apply(state: NetworkState, opts?: { env?: Record<string, string>; args?: string }): Promise<ExecResult>;
  /** the whole network as the kernel reports it: links, addresses, routes of every table */
  snapshot(): Promise<{ links: unknown; addrs: unknown; routes: unknown }>;
  /** pulls (false) or plugs (true) the cable of eth<i> (qemu set_link: the carrier really drops) */
  cable(i: number, up: boolean): Promise<void>;
  stop(): void;
}

/** Why the VM tests cannot run here (undefined when they can): print it as a SKIP. */
export const vmSkipReason = (): string | undefined => vmUnavailable();

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
let docs = 0;

export async function startVmHost(opts: Pick<VmOptions, 'nics' | 'files'> = {}): Promise<VmHost> {
  const vm = await bootVm(opts);
  const exec = (cmd: string, env?: Record<string, string>) => vm.exec(cmd, { env });
  const sh = async (cmd: string) => {
    const r = await exec(cmd);
    if (r.code !== 0) throw new Error(`in the VM: ${cmd}: exit ${r.code}\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const ip = async (args: string, ns?: string) => JSON.parse((await sh(`ip ${ns ? `-n ${ns} ` : ''}-d -j ${args}`)) || '[]');
  const write = async (path: string, content: string) => {
    await sh(`mkdir -p "$(dirname ${q(path)})" && echo ${Buffer.from(content).toString('base64')} | base64 -d > ${q(path)}`);
  };
  return {
    vm,
    exec,
    sh,
    ip,
    link: async (name, ns) => {
      const r = await exec(`ip ${ns ? `-n ${ns} ` : ''}-d -j link show dev ${q(name)}`);
      return r.code === 0 ? JSON.parse(r.stdout)[0] : undefined;
    },
    write,
    apply: async (state, o = {}) => {
      const file = `/tmp/desired-${++docs}.yaml`;
      await write(file, stringify(state));
      return exec(`fleetnet-agent apply -f ${file} ${o.args ?? ''}`, o.env);
    },
    snapshot: async () => {
      // The kernel settles after a change for seconds (IPv6 duplicate address detection, LACP's
      // negotiation): a snapshot is what it reads once no address is tentative and two reads 1.5 s
      // apart agree (at most 45 s; then the last read, and the test shows what still moved).
      const read = async () => ({ links: await ip('link show'), addrs: await ip('addr show'), routes: await ip('route show table all') });
      const deadline = Date.now() + 45_000;
      let last = await read();
      for (;;) {
        await new Promise((r) => setTimeout(r, 1500));
        const now = await read();
        const text = JSON.stringify(now);
        if ((text === JSON.stringify(last) && !text.includes('"tentative":true')) || Date.now() > deadline) return now;
        last = now;
      }
    },
    cable: async (i, up) => {
      const out = await vm.monitor(`set_link nic${i} ${up ? 'on' : 'off'}`);
      if (out) throw new Error(`qemu set_link nic${i}: ${out}`);
    },
    stop: () => vm.stop(),
  };
}

/** Where two JSON values differ, as `path: before → after` lines (empty when equal). */
export function jsonDifferences(a: unknown, b: unknown, path = '', ignore: ReadonlySet<string> = new Set()): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    // list entries by what names them (a link, a route's dst+dev+table), so one change is one line
    const name = (e: any, i: number) => String(e?.ifname ?? (e?.dst ? `${e.dst} dev ${e.dev ?? '-'}${e.table ? ` table ${e.table}` : ''}` : i));
    const keyed = (x: object) => (Array.isArray(x) ? new Map(x.map((e, i) => [name(e, i), e])) : new Map(Object.entries(x)));
    const ka = keyed(a), kb = keyed(b);
    return [...new Set([...ka.keys(), ...kb.keys()])].filter((k) => !ignore.has(k)).flatMap((k) => jsonDifferences(ka.get(k), kb.get(k), `${path}/${k}`, ignore));
  }
  return [`${path}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`];
}
