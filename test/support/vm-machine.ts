import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killPid, onExit } from './cleanup.ts';
import { ensureBundles, ensureVmAssets, repoRoot, vmCache, type VmAssets } from './vm-image.ts';

/**
 * One throwaway VM: Debian's kernel under qemu (KVM when it works here, else TCG), the root image
 * mounted copy-on-write (snapshot=on: the cached image never changes), a per-boot disk with the
 * bundles and --file copies, N test NICs eth1..ethN each wired by its own qemu hub to a hidden peer
 * NIC pN in the guest namespace "peer", eth0 on qemu user networking (the host's 127.0.0.1 is
 * 10.0.2.2 in the guest), and a control channel (virtio-serial on a unix socket) to the guest's
 * command server.
 */

export interface VmOptions {
  /** test NICs eth1..ethN, each wired point-to-point to pN in the guest namespace "peer" (default 2) */
  nics?: number;
  /** host file or folder → absolute path in the guest */
  files?: { src: string; dest: string }[];
  /** where the serial console goes: a log file in the VM dir (default), this terminal, or a unix socket */
  console?: 'log' | 'stdio' | 'socket';
  /** with console 'stdio': power the VM off when the shell exits */
  poweroffOnShellExit?: boolean;
  /** seconds to wait for the guest's command server (default 180: TCG on a busy machine) */
  bootTimeoutS?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface ExecOptions {
  env?: Record<string, string>;
  onStdout?: (d: Buffer) => void;
  onStderr?: (d: Buffer) => void;
}

const MAC = (kind: 0 | 1 | 2, i: number) => `52:54:00:f${kind}:00:${i.toString(16).padStart(2, '0')}`;

/** Builds the per-boot ext4 disk: boot.env, the bundles from dist/, the --file copies. */
function bootDisk(dir: string, opts: VmOptions): string {
  const stage = join(dir, 'boot');
  mkdirSync(join(stage, 'dist'), { recursive: true });
  mkdirSync(join(stage, 'files'), { recursive: true });
  const env = [`NICS=${opts.nics ?? 2}`, `CONSOLE_SHELL=${opts.console === 'log' || !opts.console ? 0 : 1}`, `POWEROFF_ON_EXIT=${opts.poweroffOnShellExit ? 1 : 0}`];
  writeFileSync(join(stage, 'boot.env'), env.join('\n') + '\n');
  const dist = join(repoRoot, 'dist');
  if (existsSync(dist)) for (const f of readdirSync(dist)) if (f.endsWith('.cjs')) copyFileSync(join(dist, f), join(stage, 'dist', f));
  const list = (opts.files ?? []).map((f, i) => {
    if (!f.dest.startsWith('/')) throw new Error(`--file ${f.src}:${f.dest}: the destination must be an absolute path in the VM`);
    if (!existsSync(f.src)) throw new Error(`--file ${f.src}:${f.dest}: no such file on this machine`);
    cpSync(f.src, join(stage, 'files', String(i)), { recursive: true });
    return `${i}\t${f.dest}\n`;
  });
  writeFileSync(join(stage, 'files.list'), list.join(''));
  const img = join(dir, 'boot.img');
  const du = spawnSync('du', ['-sm', stage], { encoding: 'utf8' });
  const mb = Math.ceil(Number(du.stdout.split('\t')[0]) * 1.3) + 16;
  const r = spawnSync('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', stage, img, `${mb}M`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mke2fs of the boot disk failed: ${r.stderr}`);
  rmSync(stage, { recursive: true, force: true });
  return img;
}

function qemuArgs(assets: VmAssets, dir: string, bootImg: string, accel: 'kvm' | 'tcg', opts: VmOptions): string[] {
  const nics = opts.nics ?? 2;
  const args = [
    '-accel', accel, ...(accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-m', '1024', '-smp', '1', '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-kernel', assets.kernel, '-initrd', assets.initrd,
    '-append', 'console=ttyS0 quiet loglevel=3 panic=-1 net.ifnames=0',
    '-drive', `file=${assets.rootfs},format=raw,if=virtio,snapshot=on`,
    '-drive', `file=${bootImg},format=raw,if=virtio`,
    '-netdev', 'user,id=up,net=10.0.2.0/24', '-device', `virtio-net-pci,netdev=up,mac=${MAC(0, 0)}`,
    '-device', 'virtio-serial-pci',
    '-chardev', `socket,id=ctl,path=${join(dir, 'ctl.sock')},server=on,wait=off`,
    '-device', 'virtserialport,chardev=ctl,name=fleetnet.ctl',
    '-monitor', `unix:${join(dir, 'monitor.sock')},server=on,wait=off`,
  ];
  for (let i = 1; i <= nics; i++) {
    // one hub per link: eth<i> and p<i> are alone on it, a point-to-point cable
    for (const [kind, id] of [[1, `nic${i}`], [2, `peer${i}`]] as const) {
      args.push('-netdev', `hubport,id=${id},hubid=${i}`, '-device', `virtio-net-pci,netdev=${id},mac=${MAC(kind, i)},speed=1000,duplex=full`);
    }
  }
  const console = opts.console ?? 'log';
  if (console === 'stdio') args.push('-serial', 'stdio');
  else if (console === 'socket') args.push('-serial', `unix:${join(dir, 'console.sock')},server=on,wait=off`);
  else args.push('-serial', `file:${join(dir, 'console.log')}`);
  return args;
}

/** The control channel: requests out, answers in, by id. */
class Control {
  private buf = '';
  private nextId = 1;
  private waiting = new Map<number, { res: ExecResult; opts: ExecOptions; done: (r: ExecResult) => void }>();
  private pongs = new Set<number>();
  constructor(private readonly sock: Socket) {
    sock.on('data', (d) => {
      this.buf += d.toString('utf8');
      for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        this.take(line);
      }
    });
  }
  private take(line: string) {
    let m: { id: number; o?: string; e?: string; code?: number; pong?: boolean };
    try {
      m = JSON.parse(line);
    } catch {
      return;
    }
    if (m.pong) return void this.pongs.add(m.id);
    const w = this.waiting.get(m.id);
    if (!w) return;
    if (m.o) {
      const b = Buffer.from(m.o, 'base64');
      w.res.stdout += b.toString();
      w.opts.onStdout?.(b);
    }
    if (m.e) {
      const b = Buffer.from(m.e, 'base64');
      w.res.stderr += b.toString();
      w.opts.onStderr?.(b);
    }
    if (m.code !== undefined) {
      w.res.code = m.code;
      this.waiting.delete(m.id);
      w.done(w.res);
    }
  }
  private send(m: object) {
    this.sock.write(JSON.stringify(m) + '\n');
  }
  /** Resolves once the guest's server answers (asked again every 500 ms: it may not be up yet). */
  async ready(timeoutMs: number, alive: () => string | undefined): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const id = this.nextId++;
      this.send({ id, ping: true });
      await new Promise((r) => setTimeout(r, 500));
      if ([...this.pongs].length) return;
      const dead = alive();
      if (dead) throw new Error(dead);
    }
    throw new Error(`the VM's command server did not answer within ${timeoutMs / 1000} s`);
  }
  exec(cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const id = this.nextId++;
    return new Promise((done) => {
      this.waiting.set(id, { res: { stdout: '', stderr: '', code: -1 }, opts, done });
      this.send({ id, cmd, env: opts.env });
    });
  }
  /** Every pending request ends with this error (the VM is gone). */
  failAll(reason: string) {
    for (const [id, w] of this.waiting) {
      this.waiting.delete(id);
      w.res.stderr += `\n${reason}\n`;
      w.res.code = 255;
      w.done(w.res);
    }
  }
}

async function connectUnix(path: string, timeoutMs: number): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = connect(path);
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** KVM boots hang on some nested setups: probe once (a short boot), remember the verdict per host kernel. */
export async function chooseAccel(assets: VmAssets): Promise<'kvm' | 'tcg'> {
  if (process.env.FLEETNET_VM_ACCEL === 'tcg' || process.env.FLEETNET_VM_ACCEL === 'kvm') return process.env.FLEETNET_VM_ACCEL;
  if (!existsSync('/dev/kvm')) return 'tcg';
  const hostKernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  const verdictFile = join(vmCache, 'kvm-verdict');
  const key = `${hostKernel} ${assets.kernelPackage}`;
  const cached = existsSync(verdictFile) ? readFileSync(verdictFile, 'utf8').split('\n') : [];
  if (cached[0] === key && (cached[1] === 'kvm' || cached[1] === 'tcg')) return cached[1];
  const dir = mkdtempSync(join(tmpdir(), 'fleetnet-kvm-probe-'));
  const log = join(dir, 'console.log');
  const child = spawn('qemu-system-x86_64', ['-accel', 'kvm', '-cpu', 'host', '-m', '256', '-nodefaults', '-display', 'none', '-no-reboot',
    '-kernel', assets.kernel, '-initrd', assets.initrd, '-append', 'console=ttyS0 quiet panic=-1', '-serial', `file:${log}`], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  let ok = false;
  while (Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 200));
    if (existsSync(log) && readFileSync(log, 'utf8').includes('FLEETNET-INITRAMFS')) {
      ok = true;
      break;
    }
  }
  killPid(child.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  const verdict = ok ? 'kvm' : 'tcg';
  writeFileSync(verdictFile, `${key}\n${verdict}\n`);
  return verdict;
}

export interface Vm {
  /** the VM's folder: ctl.sock, monitor.sock, console.log / console.sock */
  readonly dir: string;
  readonly pid: number;
  readonly accel: 'kvm' | 'tcg';
  readonly child: ChildProcess;
  exec(cmd: string, opts?: ExecOptions): Promise<ExecResult>;
  /** a qemu monitor command, e.g. `set_link nic1 off` (pull eth1's cable) */
  monitor(cmd: string): Promise<string>;
  /** the serial console's output so far (console 'log' only) */
  consoleLog(): string;
  stop(): void;
  /** leave the VM running after this process exits (its console on console.sock when booted so; stop it by pid) */
  keep(): void;
}

/** Boots a VM and waits until its command server answers. The VM dies with this process. */
export async function bootVm(opts: VmOptions = {}): Promise<Vm> {
  const assets = ensureVmAssets();
  ensureBundles();
  const accel = await chooseAccel(assets);
  const dir = mkdtempSync(join(tmpdir(), 'fleetnet-vm-'));
  const bootImg = bootDisk(dir, opts);
  const child = spawn('qemu-system-x86_64', qemuArgs(assets, dir, bootImg, accel, opts), {
    stdio: opts.console === 'stdio' ? 'inherit' : ['ignore', 'ignore', 'pipe'],
    // a VM that may be kept (console on a socket) gets its own session, to outlive this terminal;
    // others stay in our process group, so a test runner that kills the group takes them along
    detached: opts.console === 'socket',
  });
  let qemuErr = '';
  child.stderr?.on('data', (d) => (qemuErr += d));
  const stop = () => {
    killPid(child.pid, 'SIGKILL');
    // keep the folder of a VM that was asked to stay (its sockets are how one reaches it)
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
  };
  let keepDir = false;
  const forget = onExit(`vm-${child.pid}`, stop);
  const consoleLog = () => {
    try {
      return readFileSync(join(dir, 'console.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const dead = () =>
    child.exitCode !== null || child.signalCode !== null ? `qemu exited (${child.exitCode ?? child.signalCode}): ${qemuErr.trim()}\n${consoleLog().slice(-3000)}` : undefined;
  try {
    const sock = await connectUnix(join(dir, 'ctl.sock'), 10_000);
    const control = new Control(sock);
    await control.ready((opts.bootTimeoutS ?? 180) * 1000, dead);
    child.on('close', () => control.failAll(`the VM exited (${child.exitCode ?? child.signalCode})`));
    return {
      dir,
      pid: child.pid!,
      accel,
      child,
      exec: (cmd, o) => control.exec(cmd, o),
      monitor: (cmd) => monitorCommand(join(dir, 'monitor.sock'), cmd),
      consoleLog,
      stop: () => {
        forget();
        stop();
      },
      keep: () => {
        keepDir = true;
        forget();
        sock.destroy();
        child.stderr?.destroy();
        child.unref();
      },
    };
  } catch (e) {
    const log = consoleLog();
    forget();
    stop();
    throw new Error(`${(e as Error).message}${log ? `\n--- console ---\n${log.slice(-3000)}` : ''}`);
  }
}

/** Sends one command to a qemu HMP monitor socket and returns what it printed. */
export async function monitorCommand(path: string, cmd: string): Promise<string> {
  const s = await connectUnix(path, 5000);
  return new Promise((resolve) => {
    let out = '';
    s.on('data', (d) => {
      out += d;
      if (out.split('(qemu)').length > 2) s.end();
    });
    // the monitor echoes the command line with terminal codes: keep what lies between the prompts
    s.on('close', () => {
      const lines = out.replace(/\x1b\[[0-9;]*[A-Za-z]|\r/g, '').split('\n');
      const first = lines.findIndex((l) => l.startsWith('(qemu)'));
      const rest = lines.slice(first + 1);
      resolve(rest.slice(0, rest.findIndex((l) => l.startsWith('(qemu)'))).join('\n').trim());
    });
    s.write(`${cmd}\n`);
    setTimeout(() => s.end(), 2000);
  });
}
