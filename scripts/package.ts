/**
 * `pnpm package`: the two Debian packages and their checksums, with dpkg-deb and no network.
 *
 *   dist/fleetnet-agent_<version>_amd64.deb   /usr/bin/fleetnet-agent, its unit, /etc/fleetnet/agent.env
 *   dist/fleetnet_<version>_amd64.deb         /usr/bin/fleetnet, fleetnet-controller, fleetnet-gen-auth,
 *                                             the controller's unit, nats-server config examples
 *   dist/SHA256SUMS
 *
 * How Node reaches the host: it does not have to. Debian 12's nodejs is 18, so `Depends: nodejs (>= 20)`
 * cannot be met from Debian alone; instead the packages carry a Node 20 single executable application
 * (this Node binary with the programs injected by postject), one multi-call program
 * (deploy/debian/multicall.ts). Each package carries its own copy, so either installs alone.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, createReadStream, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { build } from 'esbuild';
import { binaries, bundleOptions, distDir, productVersion, root } from './build.ts';
import { programs } from '../deploy/debian/programs.ts';

const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const seaDir = join(distDir, 'sea');
const stageDir = join(distDir, 'deb');

export const packageNames = ['fleetnet-agent', 'fleetnet'] as const;
export const debFile = (name: string, version = productVersion().version) => join(distDir, `${name}_${version}_amd64.deb`);

/** What the packages are made of besides the sources (scripts/launch.js watches those). */
const packagingInputs = ['scripts/package.ts', 'scripts/build.ts', 'scripts/code-cache.ts', 'deploy/debian', 'deploy/systemd', 'deploy/nats', 'deploy/gen-auth.ts', 'deploy/auth.ts', 'package.json'];

/**
 * The Node single executable application: a copy of this Node with the multi-call program as its main
 * script and each program's bundle as an asset (run through V8's code cache, see multicall.ts).
 */
async function buildSea(): Promise<string> {
  rmSync(seaDir, { recursive: true, force: true });
  mkdirSync(seaDir, { recursive: true });
  const main = join(seaDir, 'multicall.cjs');
  await build({ ...bundleOptions(), entryPoints: [join(root, 'deploy/debian/multicall.ts')], outfile: main });
  const entries: Record<(typeof programs)[number], string> = { ...binaries, 'fleetnet-gen-auth': 'deploy/gen-auth.ts' };
  const assets: Record<string, string> = {};
  await Promise.all(programs.map(async (name) => {
    assets[`${name}.cjs`] = join(seaDir, `${name}.cjs`);
    await build({ ...bundleOptions(), entryPoints: [join(root, entries[name])], outfile: assets[`${name}.cjs`] });
  }));
  const config = join(seaDir, 'sea-config.json');
  const blob = join(seaDir, 'fleetnet.blob');
  writeFileSync(config, JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, assets }));
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'pipe' });
  if (!readFileSync(process.execPath).includes(SEA_FUSE)) {
    throw new Error(`${process.execPath} has no single-executable fuse (${SEA_FUSE}): use an official Node 20 build`);
  }
  const exe = join(seaDir, 'fleetnet');
  copyFileSync(process.execPath, exe);
  chmodSync(exe, 0o755);
  execFileSync(process.execPath, [join(root, 'node_modules/postject/dist/cli.js'), exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { stdio: 'pipe' });
  return exe;
}

interface Entry {
  /** path in the package, absolute */
  path: string;
  /** a file to copy, text to write, or a symlink target */
  from?: string;
  text?: string;
  link?: string;
  mode?: number;
}

interface Pkg {
  name: string;
  description: string;
  depends: string[];
  recommends?: string[];
  suggests?: string[];
  conffiles: string[];
  dirs: string[];
  entries: Entry[];
  scripts: Record<string, string>;
}

const maintainerScripts = (unit: string, stateDir?: string): Record<string, string> => ({
  // Not started on a fresh install: the env file needs this host's name first (README "Install on a host").
  postinst: `#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
  if [ "$1" = configure ] && [ -n "$2" ]; then systemctl try-restart ${unit} || true; fi
fi
`,
  prerm: `#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then systemctl stop ${unit} || true; fi
`,
  postrm: `#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
${stateDir ? `if [ "$1" = purge ]; then rm -rf ${stateDir}; fi\n` : ''}`,
});

// The SEA is this Node binary: what it links against (ldd /usr/bin/node on Node 20).
const nodeDepends = ['libc6 (>= 2.28)', 'libstdc++6', 'libgcc-s1'];

function packages(sea: string): Pkg[] {
  const unitDir = '/lib/systemd/system';
  const nats = readdirSync(join(root, 'deploy/nats')).filter((f) => f.endsWith('.conf'));
  return [
    {
      name: 'fleetnet-agent',
      description: 'fleetnet node agent: applies this host\'s declared network and reports it\n'
        + ' Runs as fleetnet-agent.service; set FLEETNET_HOST and the NATS server in /etc/fleetnet/agent.env.',
      // What the agent runs: ip (iproute2) for every read and change, ping for connectivity probes;
      // ovs-vsctl only when a policy declares Open vSwitch bridges.
      // udhcpc: the DHCPv4 client the agent supervises for `dhcp: true` (busybox's; see README);
      // isc-dhcp-client: its dhclient is the DHCPv6 client, for `ipv6.dhcp: true`
      depends: [...nodeDepends, 'iproute2', 'iputils-ping', 'udhcpc', 'isc-dhcp-client'],
      // lldpd: the LLDP daemon the agent runs for `lldp: {enabled: true}` (its own instance, see README);
      // wpasupplicant: MACsec MKA (mka-cak/mka-ckn) only, so recommended: without it such a document
      // fails at plan time naming the package, everything else works (and it pulls in D-Bus and pcsc)
      // ndisc6: rdisc6 asks the routers to advertise when SLAAC turns on (without it: the next unsolicited advertisement)
      recommends: ['openvswitch-switch', 'lldpd', 'wpasupplicant', 'ndisc6'],
      conffiles: ['/etc/fleetnet/agent.env'],
      dirs: ['/var/lib/fleetnet', '/var/cache/fleetnet'],
      entries: [
        { path: '/usr/bin/fleetnet-agent', from: sea, mode: 0o755 },
        { path: `${unitDir}/fleetnet-agent.service`, from: join(root, 'deploy/systemd/fleetnet-agent.service') },
        { path: '/etc/fleetnet/agent.env', from: join(root, 'deploy/systemd/agent.env'), mode: 0o640 },
      ],
      scripts: maintainerScripts('fleetnet-agent.service', '/var/lib/fleetnet/agent'),
    },
    {
      name: 'fleetnet',
      description: 'fleetnet CLI and controller: declare the network of a fleet of Linux hosts\n'
        + ' fleetnet (the CLI), fleetnet-controller (fleetnet-controller.service) and fleetnet-gen-auth\n'
        + ' (NATS users and credentials for the fleet); nats-server examples in /usr/share/doc/fleetnet/examples.',
      depends: nodeDepends,
      suggests: ['nats-server'],
      conffiles: ['/etc/fleetnet/controller.env'],
      dirs: ['/var/cache/fleetnet'],
      entries: [
        { path: '/usr/lib/fleetnet/fleetnet', from: sea, mode: 0o755 },
        ...['fleetnet', 'fleetnet-controller', 'fleetnet-gen-auth'].map((b) => ({ path: `/usr/bin/${b}`, link: '../lib/fleetnet/fleetnet' })),
        { path: `${unitDir}/fleetnet-controller.service`, from: join(root, 'deploy/systemd/fleetnet-controller.service') },
        { path: '/etc/fleetnet/controller.env', from: join(root, 'deploy/systemd/controller.env'), mode: 0o640 },
        ...nats.map((f) => ({ path: `/usr/share/doc/fleetnet/examples/nats/${f}`, from: join(root, 'deploy/nats', f) })),
      ],
      scripts: maintainerScripts('fleetnet-controller.service'),
    },
  ];
}

function stage(p: Pkg, version: string): string {
  const dir = join(stageDir, p.name);
  rmSync(dir, { recursive: true, force: true });
  for (const d of ['DEBIAN', ...p.dirs]) mkdirSync(join(dir, d), { recursive: true });
  let bytes = 0;
  for (const e of p.entries) {
    const at = join(dir, e.path);
    mkdirSync(dirname(at), { recursive: true });
    if (e.link) symlinkSync(e.link, at);
    else {
      if (e.from) copyFileSync(e.from, at);
      else writeFileSync(at, e.text ?? '');
      chmodSync(at, e.mode ?? 0o644);
      bytes += statSync(at).size;
    }
  }
  const field = (k: string, v?: string[]) => (v?.length ? `${k}: ${v.join(', ')}\n` : '');
  writeFileSync(join(dir, 'DEBIAN/control'),
    `Package: ${p.name}\nVersion: ${version}\nArchitecture: amd64\nMaintainer: fleetnet <fleetnet@localhost>\n`
    + `Installed-Size: ${Math.ceil(bytes / 1024)}\nSection: net\nPriority: optional\n`
    + field('Depends', p.depends) + field('Recommends', p.recommends) + field('Suggests', p.suggests)
    + `Description: ${p.description}\n`);
  writeFileSync(join(dir, 'DEBIAN/conffiles'), p.conffiles.map((c) => `${c}\n`).join(''));
  for (const [name, text] of Object.entries(p.scripts)) {
    writeFileSync(join(dir, 'DEBIAN', name), text);
    chmodSync(join(dir, 'DEBIAN', name), 0o755);
  }
  return dir;
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function newestMtime(path: string): number {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).filter((f) => f !== 'node_modules').map((f) => newestMtime(join(path, f))));
}

/** True when both packages exist and are newer than every source and packaging file. */
export function packagesUpToDate(): boolean {
  const built = Math.min(...packageNames.map((n) => statSync(debFile(n), { throwIfNoEntry: false })?.mtimeMs ?? 0));
  if (!built) return false;
  const sources = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && !['node_modules', 'dist'].includes(d.name))
    .flatMap((d) => (d.name === 'services' ? readdirSync(join(root, 'services')).map((s) => join('services', s, 'src')) : [join(d.name, 'src')]));
  return [...sources, ...packagingInputs].every((p) => newestMtime(join(root, p)) < built);
}

/** Builds both packages and SHA256SUMS; returns the .deb paths. */
export async function buildPackages(log: (line: string) => void = () => undefined): Promise<string[]> {
  const { version } = productVersion();
  const started = Date.now();
  const sea = await buildSea();
  log(`single executable ${sea.slice(root.length)} (${(statSync(sea).size / 1e6).toFixed(0)} MB) in ${Date.now() - started} ms`);
  const debs: string[] = [];
  for (const p of packages(sea)) {
    const out = debFile(p.name, version);
    // gzip: xz would take a minute per package for the ~100 MB Node binary
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', stage(p, version), out], { stdio: 'pipe' });
    debs.push(out);
    log(`${out.slice(root.length)} (${(statSync(out).size / 1e6).toFixed(0)} MB)`);
  }
  const sums = await Promise.all(debs.map(async (d) => `${await sha256(d)}  ${basename(d)}\n`));
  writeFileSync(join(distDir, 'SHA256SUMS'), sums.join(''));
  rmSync(stageDir, { recursive: true, force: true });
  log(`dist/SHA256SUMS; ${Date.now() - started} ms in all`);
  return debs;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  buildPackages((l) => console.log(l)).catch((e: unknown) => {
    const err = e as Error & { stderr?: Buffer };
    console.error(`package failed: ${err.message}${err.stderr?.length ? `\n${err.stderr}` : ''}`);
    process.exit(1);
  });
}
