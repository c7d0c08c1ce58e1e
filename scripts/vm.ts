/**
 * `pnpm vm`: a throwaway VM with Debian's kernel (bonding, 8021q, vrf, dummy, ipvlan, openvswitch
 * modules), to try a kernel feature or the agent by hand. See `pnpm vm --help`.
 */
import { resolve } from 'node:path';
import { bootVm, type Vm } from '../test/support/vm-machine.ts';
import { vmUnavailable } from '../test/support/vm-image.ts';

const HELP = `usage: pnpm vm [--file SRC:DEST]... [--nics N] [--keep] [-- CMD...]

Boots a throwaway VM (Debian's cloud kernel under qemu; KVM when it works here, else TCG) and runs
CMD in it as root: one argument is run with sh -c, several as a command line. CMD's stdout and
stderr come back separately and pnpm vm exits with CMD's exit code. Without CMD you get a shell
on the VM's console (exit it, or Ctrl-A X, to power off). The root disk is copy-on-write: nothing
persists after the VM stops.

Inside the VM:
  Debian's kernel, its modules depmod'd (modprobe, or just create the link: modules autoload)
  ip, bridge, ping, ethtool, node; fleetnet-agent and fleetnet (the dist/ bundles; pnpm build
  runs first when they are older than the sources)
  eth0    uplink on qemu user networking: this machine's 127.0.0.1 is 10.0.2.2 in the VM
  eth1..ethN  test NICs (virtio-net), each cabled by its own qemu hub to a hidden NIC pN in the
          namespace "peer" (the far end: a partner bond, a VLAN to ping): ip -n peer link
  your --file copies

options:
  --file SRC:DEST  copy a file or folder of this machine to DEST (absolute) in the VM; repeatable
  --nics N         test NICs eth1..ethN (default 2)
  --keep           leave the VM running after CMD ends (or at once, without CMD); its console (a
                   root shell) is then on a socket, and it prints how to reach and stop it:
                   socat -,raw,echo=0 UNIX-CONNECT:DIR/console.sock   (Ctrl-] ... or Ctrl-C leaves)
                   kill PID
  -h, --help       this text

examples:
  pnpm vm -- 'ip -br link; ip -n peer -br link'
  pnpm vm --file bond.yaml:/root/bond.yaml -- 'fleetnet-agent apply -f /root/bond.yaml && ip -d link show bond0'
  pnpm vm --keep                  # then reach its shell with the socat line it prints
`;

interface Args {
  files: { src: string; dest: string }[];
  nics: number;
  keep: boolean;
  cmd: string[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { files: [], nics: 2, keep: false, cmd: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${arg} needs a value`);
      return v!;
    };
    if (arg === '--') {
      a.cmd = argv.slice(i + 1);
      break;
    } else if (arg === '-h' || arg === '--help') {
      process.stdout.write(HELP);
      process.exit(0);
    } else if (arg === '--file') {
      const v = value();
      const at = v.lastIndexOf(':');
      if (at <= 0 || !v.slice(at + 1).startsWith('/')) fail(`--file ${v}: expected SRC:DEST with an absolute DEST in the VM`);
      a.files.push({ src: resolve(v.slice(0, at)), dest: v.slice(at + 1) });
    } else if (arg === '--nics') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0 || n > 8) fail('--nics must be a whole number 0..8');
      a.nics = n;
    } else if (arg === '--keep') a.keep = true;
    else if (!arg.startsWith('-')) {
      a.cmd = argv.slice(i);
      break;
    } else fail(`unknown option ${arg}`);
  }
  return a;
}

function fail(msg: string): never {
  process.stderr.write(`pnpm vm: ${msg}\n\n${HELP}`);
  process.exit(2);
}

const shellLine = (cmd: string[]) => (cmd.length === 1 ? cmd[0]! : cmd.map((c) => `'${c.replace(/'/g, `'\\''`)}'`).join(' '));

async function runIn(exec: Vm['exec'], cmd: string[]): Promise<number> {
  const r = await exec(shellLine(cmd), { onStdout: (d) => process.stdout.write(d), onStderr: (d) => process.stderr.write(d) });
  return r.code;
}

function keepNote(vm: Vm) {
  process.stderr.write(`\nVM left running (pid ${vm.pid}, ${vm.accel}):\n`
    + `  its shell:  socat -,raw,echo=0 UNIX-CONNECT:${vm.dir}/console.sock\n`
    + `  stop it:    kill ${vm.pid}; rm -rf ${vm.dir}\n`);
  vm.keep();
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const reason = vmUnavailable();
  if (reason) fail(reason);
  const interactive = !args.cmd.length;
  // kept: nobody is on the console now, it waits on a socket with a shell for whoever comes later
  const console = args.keep ? 'socket' : interactive ? 'stdio' : 'log';
  if (interactive && !args.keep) process.stderr.write('booting (exit the shell, or Ctrl-A X, to stop the VM)...\n');
  const vm = await bootVm({ nics: args.nics, files: args.files, console, poweroffOnShellExit: console === 'stdio' });
  if (console === 'stdio') {
    const code = await new Promise<number>((r) => vm.child.on('close', (c) => r(c ?? 0)));
    vm.stop();
    process.exit(code);
  }
  const code = interactive ? 0 : await runIn(vm.exec, args.cmd);
  if (args.keep) keepNote(vm);
  else vm.stop();
  process.exit(code);
}

main().catch((e: unknown) => {
  process.stderr.write(`pnpm vm: ${(e as Error).message}\n`);
  process.exit(1);
});
