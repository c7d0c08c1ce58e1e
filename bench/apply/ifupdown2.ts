import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Method, RunContext } from './method.ts';
import { tail, timeProcess } from './proc.ts';
import type { Scenario } from './scenario.ts';

/**
 * ifupdown2 (Debian's package, never installed: `apt-get download` + `dpkg-deb -x` into bench/.cache),
 * run as `ifreload -a` inside the namespace and a private mount namespace (see ifupdown2-sandbox.sh).
 */
const here = fileURLToPath(new URL('.', import.meta.url));
export const CACHE_DIR = join(here, '..', '.cache', 'ifupdown2');
const ROOT = join(CACHE_DIR, 'root');
const PKG = join(ROOT, 'usr/share/ifupdown2');
const CONF = join(ROOT, 'etc/network/ifupdown2');
const LAUNCHER = join(here, 'ifupdown2-launch.py');
const SANDBOX = join(here, 'ifupdown2-sandbox.sh');
const PYTHON = '/usr/bin/python3';

/** The /etc/network/interfaces an ifupdown2 user would write for the scenario. */
export function interfacesFile(s: Scenario): string {
  const out = ['auto lo', 'iface lo inet loopback', ''];
  out.push(`auto ${s.bridge}`, `iface ${s.bridge}`, `    bridge-ports ${s.ports.map((p) => p.name).join(' ')}`, '    bridge-stp off', `    mtu ${s.mtu}`, '');
  for (const p of s.ports) {
    out.push(`auto ${p.name}`, `iface ${p.name}`, '    link-type veth', `    veth-peer-name ${p.peer}`, `    mtu ${s.mtu}`, '');
    out.push(`auto ${p.peer}`, `iface ${p.peer}`, '    link-type veth', `    veth-peer-name ${p.name}`, `    mtu ${s.mtu}`);
    for (const a of p.addresses) out.push(`    address ${a}`);
    // ifupdown2 has no static-route syntax besides `gateway`: a post-up command is how it is done.
    out.push(`    post-up ip route add ${p.route.destination} via ${p.route.gateway} dev ${p.peer}`, '');
  }
  return out.join('\n');
}

const run = (cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}) => {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return { ok: r.status === 0, out: r.error ? `${r.error.message}\n${out}` : out };
};

const has = (cmd: string) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' }).status === 0;

let version = '';
export const ifupdown2Version = () => version;

/**
 * Makes the unpacked package available in the cache (downloading it with apt-get when missing; one
 * `apt-get update` and a retry when the download fails) and checks that it starts. Returns the reason
 * when it cannot be had or cannot run here.
 */
export async function prepareIfupdown2(progress: (msg: string) => void): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `${PYTHON} not found (ifupdown2 is a Python 3 program built for Debian's python3)`;
  for (const c of ['unshare', 'mount']) if (!has(c)) return `\`${c}\` not found (needed for the private mount namespace)`;
  if (!existsSync(join(PKG, '__main__.py'))) {
    for (const c of ['apt-get', 'dpkg-deb']) if (!has(c)) return `\`${c}\` not found: cannot fetch the ifupdown2 package`;
    const dl = join(CACHE_DIR, `download-${process.pid}`);
    mkdirSync(dl, { recursive: true });
    try {
      progress('ifupdown2: apt-get download ifupdown2 (into bench/.cache, not installed)');
      const aptArgs = ['-q', '-o', 'APT::Sandbox::User=root', 'download', 'ifupdown2'];
      let r = run('apt-get', aptArgs, { cwd: dl });
      if (!r.ok) {
        progress('ifupdown2: download failed; apt-get update, then once more');
        const u = run('apt-get', ['-qq', 'update'], { timeoutMs: 45_000 });
        r = run('apt-get', aptArgs, { cwd: dl });
        if (!r.ok) return `apt-get download ifupdown2 failed${u.ok ? '' : ' (and apt-get update failed)'}: ${tail(r.out, 2).replace(/\n/g, ' | ')}`;
      }
      const deb = readdirSync(dl).find((f) => /^ifupdown2_.*\.deb$/.test(f));
      if (!deb) return 'apt-get download ifupdown2 left no .deb file';
      const tmpRoot = join(dl, 'root');
      const x = run('dpkg-deb', ['-x', join(dl, deb), tmpRoot]);
      if (!x.ok) return `dpkg-deb -x ${deb} failed: ${tail(x.out, 2)}`;
      if (!existsSync(ROOT)) {
        try {
          renameSync(join(dl, deb), join(CACHE_DIR, 'package.deb'));
          renameSync(tmpRoot, ROOT);
        } catch (e) {
          if (!existsSync(ROOT)) return `cannot move the unpacked package into the cache: ${(e as Error).message}`;
        }
      }
    } finally {
      rmSync(dl, { recursive: true, force: true });
    }
  }
  const deb = join(CACHE_DIR, 'package.deb');
  if (existsSync(deb)) {
    const v = run('dpkg-deb', ['-f', deb, 'Version']);
    if (v.ok) version = v.out.trim();
  }
  // Does it start? (--help imports what the launcher patches and parses the command line.)
  const probe = spawnSync(PYTHON, [LAUNCHER, '--help'], { env: { ...process.env, IFUPDOWN2_PKG: PKG }, timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (probe.status !== 0) return `ifupdown2 does not start here (${PYTHON} ${LAUNCHER} --help exited ${probe.status ?? probe.signal}): ${tail(`${probe.stdout}${probe.stderr}`, 3)}`;
  return undefined;
}

export const ifupdown2: Method = {
  id: 'ifupdown2',
  label: 'ifupdown2 ifreload -a',
  timed: 'ip netns exec NS unshare -m sh ifupdown2-sandbox.sh … -a: whole process incl. Python start-up and the sandbox mounts',
  prepare: () => prepareIfupdown2((m) => process.stderr.write(`${m}\n`)),
  async run(ctx: RunContext) {
    const etc = join(ctx.dir, 'etc-network');
    mkdirSync(join(etc, 'ifupdown2', 'policy.d'), { recursive: true });
    for (const f of ['ifupdown2.conf', 'addons.conf']) copyFileSync(join(CONF, f), join(etc, 'ifupdown2', f));
    writeFileSync(join(etc, 'interfaces'), interfacesFile(ctx.scenario));
    const argv = ['ip', 'netns', 'exec', ctx.ns, 'unshare', '-m', '--propagation', 'private', 'sh', SANDBOX, etc, LAUNCHER, '-a'];
    const r = await timeProcess(argv, { env: { ...process.env, IFUPDOWN2_PKG: PKG }, timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`ifreload -a exited ${r.code ?? r.signal ?? r.spawnError}:\n${tail(r.stdout + '\n' + r.stderr, 15)}`);
    return { ms: r.ms };
  },
};
