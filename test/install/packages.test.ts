/**
 * The Debian packages as an operator gets them (`pnpm package`, built here once when dist/ has none
 * newer than the sources): both extracted with `dpkg-deb -x` into a throwaway root, the packaged
 * programs run from there. The agent is started with the ExecStart line of its packaged unit and the
 * variables of its packaged env file (no systemd: StateDirectory= is given as STATE_DIRECTORY, as
 * systemd does), in a test namespace reaching a nats-server that uses the credentials the packaged
 * generator wrote; the packaged controller and CLI see it register.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import type { HostView } from '@fleetnet/contracts';
import { buildPackages, debFile, packageNames, packagesUpToDate } from '../../scripts/package.ts';
import { distDir, productVersion } from '../../scripts/build.ts';
import { onExit } from '../support/cleanup.ts';
import { startNats, type NatsServer } from '../support/nats.ts';
import { createNetns, type Netns } from '../support/netns.ts';
import { bridgeIntoNetns, type NsBridge } from '../support/ns-bridge.ts';
import { ovsAvailable, startOvs, type OvsInstance } from '../support/ovs.ts';
import { waitFor } from '../support/ports.ts';
import { Proc } from '../support/proc.ts';
import { execArgv, parseEnvFile, unitSection } from './systemd-unit.ts';

const run = promisify(execFile);
const HOST = 'pkg-host1';

let root: string;
let nats: NatsServer | undefined;
let ns: Netns | undefined;
let ovs: OvsInstance | undefined;
let bridge: NsBridge | undefined;
let controller: Proc | undefined;
let agent: Proc | undefined;
let removeRoot = () => undefined as void;

const inRoot = (p: string) => join(root, p);
/** A packaged absolute path (/usr/bin/…) inside the extracted root; other programs (/bin/sh) stay. */
const rebase = (argv: string[]) => argv.map((a, i) => (i === 0 && a.startsWith('/usr/') ? inRoot(a) : a));

function service(unit: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const [k, v] of unitSection(readFileSync(inRoot(`/lib/systemd/system/${unit}`), 'utf8'), 'Service')) keys.set(k, [...(keys.get(k) ?? []), v]);
  return keys;
}

/** The packaged env file with some variables set, as an operator edits it (the rest as shipped). */
function editEnvFile(file: string, set: Record<string, string>): Record<string, string> {
  const text = readFileSync(inRoot(file), 'utf8').replace(/^([A-Z_]+)=.*$/gm, (line, k: string) => (k in set ? `${k}=${set[k]}` : line));
  writeFileSync(inRoot(file), text);
  return parseEnvFile(text);
}

test.before(async () => {
  if (!packagesUpToDate()) {
    console.log('building the packages (dist/*.deb missing or older than the sources)');
    await buildPackages((l) => console.log(`  ${l}`));
  }
  root = mkdtempSync(join(tmpdir(), 'fleetnet-install-'));
  removeRoot = onExit(`install-root-${root}`, () => rmSync(root, { recursive: true, force: true }));
  for (const name of packageNames) execFileSync('dpkg-deb', ['-x', debFile(name), root]);
  // run as root, the packaged programs would keep their code cache in this machine's /var/cache/fleetnet
  process.env.FLEETNET_CODE_CACHE_DIR = inRoot('/var/cache/fleetnet-cli');
});

test.after(async () => {
  await agent?.stop('SIGTERM', 5000);
  await controller?.stop('SIGTERM', 5000);
  await bridge?.close();
  ovs?.stop();
  ns?.remove();
  await nats?.stop();
  removeRoot();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('the packages: control fields, conffile, files, SHA256SUMS', async () => {
  const { version } = productVersion();
  const field = (deb: string, f: string) => execFileSync('dpkg-deb', ['-f', deb, f], { encoding: 'utf8' }).trim();
  const agentDeb = debFile('fleetnet-agent');
  assert.is(field(agentDeb, 'Version'), version);
  assert.is(field(agentDeb, 'Architecture'), 'amd64');
  assert.match(field(agentDeb, 'Depends'), /\biproute2\b/);
  assert.match(field(agentDeb, 'Depends'), /\biputils-ping\b/);
  assert.not.match(field(agentDeb, 'Depends'), /nodejs/, 'Node is inside the binary');
  assert.is(execFileSync('dpkg-deb', ['--ctrl-tarfile', agentDeb]).includes('/etc/fleetnet/agent.env'), true, 'conffiles lists agent.env');
  const listing = (deb: string) => execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' });
  for (const p of ['./usr/bin/fleetnet-agent', './lib/systemd/system/fleetnet-agent.service', './etc/fleetnet/agent.env', './var/lib/fleetnet/', './var/cache/fleetnet/']) {
    assert.ok(listing(agentDeb).includes(p), `fleetnet-agent has ${p}`);
  }
  for (const p of ['./usr/bin/fleetnet ->', './usr/bin/fleetnet-controller ->', './usr/bin/fleetnet-gen-auth ->', './lib/systemd/system/fleetnet-controller.service', './usr/share/doc/fleetnet/examples/nats/single.conf']) {
    assert.ok(listing(debFile('fleetnet')).includes(p), `fleetnet has ${p}`);
  }
  const sums = readFileSync(join(distDir, 'SHA256SUMS'), 'utf8');
  for (const name of packageNames) {
    const deb = debFile(name);
    const sum = createHash('sha256').update(readFileSync(deb)).digest('hex');
    assert.ok(sums.includes(`${sum}  ${basename(deb)}`), `SHA256SUMS has ${basename(deb)}`);
  }
});

test('the packaged fleetnet --help and fleetnet-agent --version run from the extracted tree', async () => {
  const help = await run(inRoot('/usr/bin/fleetnet'), ['--help']);
  assert.match(help.stdout, /^Usage: fleetnet \[options\] \[command\]/);
  assert.match(help.stdout, /get \[options\]/);
  // the commit is the one checked out when the packages were built (others may have committed since)
  const lines = await Promise.all(['fleetnet-agent', 'fleetnet-controller', 'fleetnet'].map(async (bin) => (await run(inRoot(`/usr/bin/${bin}`), ['--version'])).stdout.trim()));
  assert.match(lines[0]!, new RegExp(`^${productVersion().version.replace(/\./g, '\\.')} \\(commit [0-9a-f]{12}\\)$`), 'fleetnet-agent --version');
  assert.equal(new Set(lines).size, 1, `one version line for the three programs: ${lines.join(' | ')}`);
});

test('the agent unit refuses to start with an empty FLEETNET_HOST (ExecStartPre and the agent itself)', async () => {
  const unit = service('fleetnet-agent.service');
  const env: Record<string, string> = { ...parseEnvFile(readFileSync(inRoot('/etc/fleetnet/agent.env'), 'utf8')), STATE_DIRECTORY: inRoot('/var/lib/fleetnet/agent') };
  assert.is(env.FLEETNET_HOST, '', 'shipped with no host name');
  const [pre, ...preArgs] = rebase(execArgv(unit.get('ExecStartPre')![0]!, env));
  const refused = await run(pre!, preArgs, { env: { ...process.env, ...env } }).then(() => undefined, (e: { code: number; stderr: string }) => e);
  assert.ok(refused, 'ExecStartPre fails');
  assert.match(refused!.stderr, /FLEETNET_HOST is empty: set the name of this host in \/etc\/fleetnet\/agent.env/);
  const [bin, ...args] = rebase(execArgv(unit.get('ExecStart')![0]!, env));
  const agentRefused = await run(bin!, args, { env: { ...process.env, ...env } }).then(() => undefined, (e: { code: number; stderr: string }) => e);
  assert.is(agentRefused?.code, 2, 'the agent exits 2 (bad input), which RestartPreventExitStatus= does not restart');
  assert.match(agentRefused!.stderr, /host name must not be empty/);
  assert.ok(unit.get('RestartPreventExitStatus')?.includes('2'));
  assert.equal(unit.get('KillMode'), ['process'], 'the supervised DHCP clients, lldpd and wpa_supplicant outlive an agent restart');
});

test('the agent started from its unit registers with the packaged controller; the packaged CLI lists it', async () => {
  const noOvs = ovsAvailable();
  // credentials from the packaged generator, used by nats-server, controller, agent and CLI
  const auth = inRoot('/etc/fleetnet/auth');
  await run(inRoot('/usr/bin/fleetnet-gen-auth'), ['--hosts', HOST, '--out', auth]);
  nats = await startNats({ config: readFileSync(join(auth, 'nats-auth.conf'), 'utf8') });

  const cEnv = editEnvFile('/etc/fleetnet/controller.env', { FLEETNET_SERVER: nats.url, FLEETNET_CREDS: join(auth, 'creds/fleetnet-controller.json') });
  const [cBin, ...cArgs] = rebase(execArgv(service('fleetnet-controller.service').get('ExecStart')![0]!, cEnv));
  controller = new Proc('controller', spawn(cBin!, cArgs, { env: { ...process.env, ...cEnv }, stdio: ['ignore', 'pipe', 'pipe'] }));
  await controller.waitForOutput(/"msg":"controller ready"/, 60_000);

  // the host: its own namespace, reaching the nats-server at 127.0.0.1:4222 of its own loopback
  ns = createNetns('pkg');
  bridge = await bridgeIntoNetns(ns, '127.0.0.1', 4222, nats.port);
  const resolvConf = join(root, 'resolv.conf');
  writeFileSync(resolvConf, 'nameserver 127.0.0.53\n');
  const extra = [`--resolv-conf ${resolvConf}`, '--heartbeat 1', '--label role=installed'];
  if (!noOvs) {
    ovs = await startOvs(ns);
    extra.push(`--ovs-db ${ovs.db}`);
  }
  const stateDir = inRoot('/var/lib/fleetnet/agent');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const aEnv = {
    ...editEnvFile('/etc/fleetnet/agent.env', {
      FLEETNET_HOST: HOST, FLEETNET_SERVER: 'nats://127.0.0.1:4222', FLEETNET_CREDS: join(auth, `creds/agent-${HOST}.json`), FLEETNET_AGENT_ARGS: extra.join(' '),
    }),
    STATE_DIRECTORY: stateDir,
    CACHE_DIRECTORY: inRoot('/var/cache/fleetnet'),
  };
  const unit = service('fleetnet-agent.service');
  assert.equal(unit.get('CacheDirectory'), ['fleetnet'], 'CACHE_DIRECTORY is /var/cache/fleetnet');
  assert.equal(unit.get('EnvironmentFile'), ['/etc/fleetnet/agent.env']);
  assert.equal(unit.get('StateDirectory'), ['fleetnet/agent'], 'STATE_DIRECTORY is /var/lib/fleetnet/agent');
  const [pre, ...preArgs] = rebase(execArgv(unit.get('ExecStartPre')![0]!, aEnv));
  await run(pre!, preArgs, { env: { ...process.env, ...aEnv } });
  const argv = rebase(execArgv(unit.get('ExecStart')![0]!, aEnv));
  assert.is(argv[0], inRoot('/usr/bin/fleetnet-agent'));
  const { FLEETNET_CODE_CACHE_DIR: _, ...inherited } = process.env;
  agent = new Proc('agent', spawn('ip', ['netns', 'exec', ns.name, ...argv], { env: { ...inherited, ...aEnv }, stdio: ['ignore', 'pipe', 'pipe'] }));
  await agent.waitForOutput(/connected to NATS/, 30_000);

  const cli = [inRoot('/usr/bin/fleetnet'), ['--server', nats.url, '--creds', join(auth, 'creds/fleetnet-operator.json'), 'get', 'hosts', '-o', 'json']] as const;
  const host = await waitFor(async () => {
    const { stdout } = await run(cli[0], [...cli[1]]);
    const hosts = JSON.parse(stdout) as HostView[] | { items: HostView[] };
    return (Array.isArray(hosts) ? hosts : hosts.items).find((h) => h.name === HOST);
  }, 30_000, `${HOST} in fleetnet get hosts`).catch((e: Error) => {
    throw new Error(`${e.message}\nagent:\n${agent?.tail()}\ncontroller:\n${controller?.tail()}`);
  });
  assert.is(host.labels.role, 'installed', 'the label from FLEETNET_AGENT_ARGS');
  assert.is(host.agentVersion, productVersion().version, 'the packaged agent reports the package version');
  assert.is(agent.running, true);
  assert.equal(agent.problems().filter((l) => /"level":(50|60)/.test(l)), [], 'no errors in the agent log');
  // its first run leaves its code cache (scripts/code-cache.ts) in the unit's cache directory
  await agent.stop('SIGTERM', 5000);
  assert.ok(readdirSync(inRoot('/var/cache/fleetnet')).some((f) => /^fleetnet-agent\.[0-9a-f]{16}\.v8cache$/.test(f)), 'the agent\'s code cache');
  assert.ok(readdirSync(inRoot('/var/cache/fleetnet-cli')).some((f) => /^fleetnet\.[0-9a-f]{16}\.v8cache$/.test(f)), 'the CLI\'s code cache');
});

test.run();
