import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GUEST_INIT, GUEST_SERVER, INITRAMFS_INIT } from './vm-guest.ts';

/**
 * The VM's disks, built from what `scripts/setup.sh` unpacked into `.cache/vm/` and from this
 * machine's own binaries: a small initramfs (busybox + the virtio modules needed to find the root
 * disk) and an ext4 root image (made with `mke2fs -d`) holding busybox, iproute2, ping, kmod, node,
 * their libraries and the kernel's depmod'd modules. Both are cached under a hash of their inputs,
 * so they are rebuilt only when the kernel, a binary or the guest scripts change.
 */

export const repoRoot = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const vmCache = join(repoRoot, '.cache/vm');
const kernelTree = join(vmCache, 'kernel/tree');

export interface VmAssets {
  kernel: string;
  initrd: string;
  rootfs: string;
  /** the kernel package the assets were built from, e.g. linux-image-6.1.0-57-cloud-amd64 */
  kernelPackage: string;
}

const which = (cmd: string): string | undefined => {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
};

/** Why the VM cannot run on this machine (qemu or the kernel cache missing), or undefined. */
export function vmUnavailable(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return 'the VM test host needs linux/x64';
  if (!which('qemu-system-x86_64')) return 'qemu-system-x86_64 is not installed (run `bash scripts/setup.sh`)';
  if (!existsSync(join(vmCache, 'kernel/package'))) return 'no kernel in .cache/vm (run `bash scripts/setup.sh`)';
  if (!existsSync(busyboxPath())) return 'busybox-static is not installed (run `bash scripts/setup.sh`)';
  if (!which('mke2fs') || !which('cpio')) return 'mke2fs or cpio missing (run `bash scripts/setup.sh`)';
  return undefined;
}

const busyboxPath = () => (existsSync('/usr/bin/busybox') ? '/usr/bin/busybox' : '/bin/busybox');

function kernelVersion(): string {
  const [v] = readdirSync(join(kernelTree, 'lib/modules'));
  if (!v) throw new Error('.cache/vm/kernel/tree has no lib/modules/<version>: run `bash scripts/setup.sh`');
  return v;
}

/** The host binaries the guest gets (absolute paths), with the name each is reached by in the guest. */
function hostTools(): { src: string; dest: string }[] {
  // dash is /bin/sh: busybox's sh runs its own applets (a 'sh -c "ip ..."' would get busybox's ip)
  const tools: { src: string; dest: string }[] = [
    { src: process.execPath, dest: '/usr/bin/node' },
    { src: realpathSync('/bin/dash'), dest: '/bin/sh' },
    { src: realpathSync('/bin/bash'), dest: '/bin/bash' },
  ];
  for (const [cmd, dest] of [
    ['ip', '/usr/sbin/ip'],
    ['bridge', '/usr/sbin/bridge'],
    ['ping', '/usr/bin/ping'],
    ['kmod', '/usr/bin/kmod'],
    ['ethtool', '/usr/sbin/ethtool'],
    ['ss', '/usr/bin/ss'],
    // MACsec MKA: the agent's supplicant (and the test's peer), wpa_cli to ask either one
    ['wpa_supplicant', '/usr/sbin/wpa_supplicant'],
    ['wpa_cli', '/usr/sbin/wpa_cli'],
  ] as const) {
    const p = which(cmd);
    if (p) tools.push({ src: realpathSync(p), dest });
    else if (cmd === 'ip' || cmd === 'kmod') throw new Error(`${cmd} is not installed on this machine; the VM copies it from here`);
  }
  return tools;
}

/** Shared libraries (and the loader) `ldd` lists for these binaries. */
function libraries(bins: string[]): string[] {
  const out = new Set<string>();
  for (const b of bins) {
    const r = spawnSync('ldd', [b], { encoding: 'utf8' });
    for (const m of r.stdout.matchAll(/(\/\S+\.so[^\s]*)/g)) out.add(m[1]!);
  }
  return [...out];
}

function hashInputs(parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
}

const fileStamp = (p: string) => {
  const s = statSync(p);
  return `${p}:${s.size}:${s.mtimeMs}`;
};

/** Copies a file to root+dest, creating the directories, following symlinks at the source. */
function put(root: string, dest: string, src: string, mode?: number) {
  const to = join(root, dest);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(src, to);
  if (mode !== undefined) chmodSync(to, mode);
}

function write(root: string, dest: string, text: string, mode = 0o644) {
  const to = join(root, dest);
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, text);
  chmodSync(to, mode);
}

/** The modules (and their dependencies, in load order) the initramfs loads to reach the root disk. */
function initramfsModules(version: string): string[] {
  const depFile = readFileSync(join(kernelTree, 'lib/modules', version, 'modules.dep'), 'utf8');
  const deps = new Map<string, string[]>();
  for (const line of depFile.split('\n')) {
    const [mod, rest] = line.split(':');
    if (mod) deps.set(mod, (rest ?? '').trim().split(/\s+/).filter(Boolean));
  }
  const byName = (name: string) => [...deps.keys()].find((k) => k.endsWith(`/${name}.ko`));
  const order: string[] = [];
  const visit = (mod: string) => {
    if (order.includes(mod)) return;
    for (const d of deps.get(mod) ?? []) visit(d);
    order.push(mod);
  };
  for (const name of ['virtio_pci', 'virtio_blk', 'virtio_net', 'virtio_console']) {
    const m = byName(name);
    if (!m) throw new Error(`the kernel in .cache/vm has no ${name}.ko`);
    visit(m);
  }
  return order;
}

function buildInitramfs(out: string, version: string) {
  const stage = mkdtempSync(join(tmpdir(), 'fleetnet-initramfs-'));
  try {
    put(stage, 'bin/busybox', busyboxPath(), 0o755);
    write(stage, 'init', INITRAMFS_INIT, 0o755);
    initramfsModules(version).forEach((m, i) =>
      put(stage, `m/${String(i).padStart(2, '0')}-${m.split('/').pop()}`, join(kernelTree, 'lib/modules', version, m)),
    );
    execFileSync('sh', ['-c', `find . | cpio -o -H newc --quiet | gzip -1 > '${out}.tmp'`], { cwd: stage });
    renameSync(`${out}.tmp`, out);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function buildRootfs(out: string, version: string, tools: { src: string; dest: string }[]) {
  const stage = mkdtempSync(join(tmpdir(), 'fleetnet-rootfs-'));
  try {
    for (const d of ['proc', 'sys', 'dev', 'run', 'tmp', 'mnt/boot', 'root', 'var/lib/fleetnet', 'var/run', 'opt/fleetnet', 'usr/local/bin', 'usr/sbin', 'etc', 'lib'])
      mkdirSync(join(stage, d), { recursive: true });
    put(stage, 'bin/busybox', busyboxPath(), 0o755);
    // busybox applets fill in whatever the host tools below do not provide
    const applets = execFileSync(busyboxPath(), ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const t of tools) put(stage, t.dest, t.src, 0o755);
    // /sbin/modprobe is where the kernel looks when a link type's module is not loaded yet
    mkdirSync(join(stage, 'sbin'), { recursive: true });
    for (const tool of ['modprobe', 'insmod', 'rmmod', 'lsmod', 'modinfo', 'depmod']) symlinkSync('/usr/bin/kmod', join(stage, 'sbin', tool));
    for (const a of applets) {
      const p = join(stage, a);
      const base = a.split('/').pop()!;
      const shadowed = ['bin', 'sbin', 'usr/bin', 'usr/sbin'].some((d) => existsSync(join(stage, d, base)));
      if (shadowed || existsSync(p)) continue;
      mkdirSync(dirname(p), { recursive: true });
      symlinkSync('/bin/busybox', p);
    }
    for (const lib of libraries(tools.map((t) => t.src))) put(stage, lib, lib);
    // the loader is reached through /lib64 on Debian
    if (existsSync('/lib64/ld-linux-x86-64.so.2')) put(stage, 'lib64/ld-linux-x86-64.so.2', '/lib64/ld-linux-x86-64.so.2', 0o755);
    execFileSync('cp', ['-a', join(kernelTree, 'lib/modules'), join(stage, 'lib/modules')]);
    if (existsSync('/etc/iproute2')) execFileSync('cp', ['-rL', '/etc/iproute2', join(stage, 'etc/iproute2')]);
    // loading bonding or dummy would otherwise make a bond0 / dummy0 of its own, in the way of the tests'
    write(stage, 'etc/modprobe.d/fleetnet-vm.conf', 'options bonding max_bonds=0\noptions dummy numdummies=0\n');
    write(stage, 'etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
    write(stage, 'etc/group', 'root:x:0:\n');
    write(stage, 'etc/hosts', '127.0.0.1 localhost\n10.0.2.2 host\n');
    write(stage, 'etc/resolv.conf', 'nameserver 10.0.2.3\n');
    write(stage, 'etc/profile', 'export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nexport PS1="vm# "\n');
    write(stage, 'sbin/fleetnet-init', GUEST_INIT, 0o755);
    write(stage, 'opt/fleetnet/guest-server.cjs', GUEST_SERVER);
    for (const bin of ['fleetnet', 'fleetnet-agent'])
      write(stage, `usr/local/bin/${bin}`, `#!/bin/sh\nexec /usr/bin/node /opt/fleetnet/${bin}.cjs "$@"\n`, 0o755);
    const mb = Math.ceil(Number(execFileSync('du', ['-sm', stage], { encoding: 'utf8' }).split('\t')[0]) * 1.2) + 64;
    execFileSync('mke2fs', ['-q', '-F', '-t', 'ext4', '-L', 'fleetnet-root', '-d', stage, `${out}.tmp`, `${mb}M`]);
    renameSync(`${out}.tmp`, out);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * Runs `fn` holding a lock folder in .cache/vm: VM test files run side by side and must not build the
 * same image or bundle twice at once. A lock whose holder is gone, or older than 5 minutes, is left over
 * from a killed run.
 */
export function withVmLock<T>(name: string, fn: () => T): T {
  const lock = join(vmCache, `${name}.lock`);
  const holderGone = () => {
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 300_000 || holderGone()) rmSync(lock, { recursive: true, force: true });
      } catch { /* removed meanwhile, or its pid not written yet */ }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const BUNDLES = ['fleetnet.cjs', 'fleetnet-agent.cjs', 'fleetnet-controller.cjs'];
const SOURCES = ['cli/src', 'services/node-agent/src', 'services/controller/src', 'contracts/src', 'scripts/build.ts'];

function newestMtime(p: string): number {
  const s = statSync(p, { throwIfNoEntry: false });
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((e) => newestMtime(join(p, e))));
}

/** dist/*.cjs (what the VM runs), rebuilt with `pnpm build` when missing or older than the sources. */
export function ensureBundles(): void {
  const stale = () => {
    const built = BUNDLES.map((b) => statSync(join(repoRoot, 'dist', b), { throwIfNoEntry: false })?.mtimeMs ?? 0);
    return Math.min(...built) < Math.max(...SOURCES.map((s) => newestMtime(join(repoRoot, s))));
  };
  if (!stale()) return;
  withVmLock('build', () => {
    if (!stale()) return;
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/build.ts')], { cwd: repoRoot, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`pnpm build failed:\n${r.stdout}${r.stderr}`);
  });
}

/** The VM's kernel, initramfs and root image, building the latter two when their inputs changed. */
export function ensureVmAssets(): VmAssets {
  const reason = vmUnavailable();
  if (reason) throw new Error(reason);
  return withVmLock('assets', buildVmAssets);
}

/** this file's own text: a change in how the images are built rebuilds them */
const thisBuilder = readFileSync(new URL(import.meta.url), 'utf8');

function buildVmAssets(): VmAssets {
  const kernelPackage = readFileSync(join(vmCache, 'kernel/package'), 'utf8').trim();
  const version = kernelVersion();
  const kernel = join(kernelTree, 'boot', `vmlinuz-${version}`);
  const tools = hostTools();
  const initrd = join(vmCache, `initrd-${hashInputs([kernelPackage, thisBuilder, INITRAMFS_INIT, fileStamp(busyboxPath())])}.cpio.gz`);
  const rootfs = join(vmCache, `rootfs-${hashInputs([kernelPackage, thisBuilder, GUEST_INIT, GUEST_SERVER, ...tools.map((t) => fileStamp(t.src))])}.img`);
  if (!existsSync(initrd)) {
    removeStale('initrd-');
    buildInitramfs(initrd, version);
  }
  if (!existsSync(rootfs)) {
    removeStale('rootfs-');
    buildRootfs(rootfs, version, tools);
  }
  return { kernel, initrd, rootfs, kernelPackage };
}

/** Old builds go when a new one is made (a running VM keeps its open file). */
function removeStale(prefix: string) {
  for (const f of readdirSync(vmCache)) {
    if (f.startsWith(prefix) && !f.endsWith('.tmp') && !lstatSync(join(vmCache, f)).isDirectory()) rmSync(join(vmCache, f), { force: true });
  }
}
