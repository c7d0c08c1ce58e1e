/**
 * `pnpm demo`: the whole of fleetnet on this machine. A nats-server (or --server), the controller and
 * N agents, each agent inside its own network namespace wired to a router namespace; the example
 * policies in deploy/examples/demo/ applied with the real CLI; the rollout printed as it happens; a
 * per-host table at the end. Everything it made is removed on exit or Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { HostView } from '@fleetnet/contracts';
import { renderTable } from '../../cli/src/output/table.ts';
import { ovsAvailable } from '../support/ovs.ts';
import { repoRoot, startFleet, type Fleet } from '../support/fleet.ts';
import { dataPlaneChecks } from './checks.ts';
import { printLiveEvents } from './live-events.ts';
import { demoHostName, roleOf } from './roles.ts';
import { beginRun, cleanupDeadRuns, endRunWhenEmpty, recordRun, runDir } from './runs.ts';
import { watchAncestors } from './supervise.ts';
import { onExit } from '../support/cleanup.ts';

const HELP = `pnpm demo [--hosts N] [--once] [--server nats://127.0.0.1:PORT] [--timeout SECONDS]
pnpm demo --cleanup

Builds a small fleet on this machine out of real parts and rolls out the example policies:
  - a nats-server with JetStream on a temporary directory (or the one --server names),
  - the controller (services/controller) as its own process,
  - N hosts (default 3), each a network namespace with its own Open vSwitch, joined by veth pairs
    to the bridges "fabric" (management, 10.250.0.0/24) and "trunk" (data) of a router namespace,
    each running "fleetnet-agent run" and reaching NATS only through its own uplink,
  - odd hosts are role=storage (OVS bond + VLAN 100), even hosts role=compute (bridge, MTU 9000);
    all are site=demo (default route and DNS).
Then applies deploy/examples/demo/ with "fleetnet apply", prints every desired version and sync
report as it happens, checks the data plane (routes, resolv.conf, MTU, a ping across the bond on
VLAN 100) and prints the per-host table.

Options:
  --hosts N          number of hosts (1..20, default 3)
  --once             exit when done: 0 when every host is in sync and the checks pass, 1 otherwise
                     (without it, the fleet stays up until Enter or Ctrl-C so you can look around)
  --server URL       use this nats-server instead of starting one; it must listen on this machine's
                     loopback (hosts reach it through a relay into the router namespace)
  --timeout SECONDS  how long the rollout may take (default 180)
  --cleanup          remove what a killed demo left behind (its processes, namespaces, OVS instances,
                     temporary directories), found by the marks each run puts on what it makes;
                     a demo that is still running is left alone
  -h, --help         this text

Needs root (network namespaces), iproute2, openvswitch-switch and nats-server: bash scripts/setup.sh`;

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function usage(message: string): never {
  console.error(`pnpm demo: ${message}\n\n${HELP}`);
  process.exit(EXIT_USAGE);
}

let args;
try {
  args = parseArgs({
    options: {
      hosts: { type: 'string', default: '3' },
      once: { type: 'boolean', default: false },
      server: { type: 'string' },
      timeout: { type: 'string', default: '180' },
      cleanup: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
} catch (e) {
  usage((e as Error).message);
}
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const count = Number(args.hosts);
if (!Number.isInteger(count) || count < 1 || count > 20) usage(`--hosts ${args.hosts}: must be an integer from 1 to 20`);
const timeoutS = Number(args.timeout);
if (!Number.isFinite(timeoutS) || timeoutS <= 0) usage(`--timeout ${args.timeout}: must be a positive number of seconds`);
let natsPorts: number[] | undefined;
if (args.server) {
  natsPorts = args.server.split(',').map((u) => {
    const m = /^(?:nats:\/\/)?(127\.0\.0\.1|localhost)(?::(\d+))?$/.exec(u.trim());
    if (!m) usage(`--server ${u}: must be a nats-server on this machine's loopback, e.g. nats://127.0.0.1:4222`);
    return Number(m[2] ?? 4222);
  });
}
if (process.getuid?.() !== 0) usage('needs root: it creates network namespaces (run it as root, e.g. with sudo)');
const say = (line: string) => console.log(`[demo] ${line}`);
if (args.cleanup) {
  say(`removing what killed demo runs left (run files in ${runDir()})`);
  cleanupDeadRuns(say);
  process.exit(0);
}
const missingOvs = ovsAvailable();
if (missingOvs) usage(missingOvs);

// A supervisor (or a closed terminal) may take our stdout away: writing must not crash the cleanup.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
const run = beginRun();
// Removed at exit when nothing marked as this run is left; otherwise `pnpm demo --cleanup` finds it.
onExit(`demo-run-${run.id}`, () => endRunWhenEmpty(run));
// pnpm does not pass SIGTERM on: when it (or any ancestor) goes, clean up as on Ctrl-C.
watchAncestors((pid) => {
  say(`parent process ${pid} went away: removing everything the demo made`);
  process.kill(process.pid, 'SIGTERM');
});

const t0 = Date.now();
const examples = join(repoRoot, 'deploy/examples/demo');
const specs = Array.from({ length: count }, (_, i) => ({
  name: demoHostName(i + 1),
  labels: { site: 'demo', role: roleOf(i + 1) },
}));

/** The policies each host must end up with, by name: what "done" means for the demo. */
function expectedPolicies(index: number): string[] {
  const storage = roleOf(index) === 'storage';
  return ['demo-routes-dns', storage ? 'demo-storage-ovs' : 'demo-compute-bridge', storage ? 'demo-addr-storage' : 'demo-addr-compute'];
}

function cli(fleet: Fleet, ...argv: string[]): Promise<number | null> {
  const child = spawn(process.execPath, [join(repoRoot, 'cli/bin/fleetnet.js'), '--server', fleet.natsUrl, ...argv], {
    cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0' },
  });
  return new Promise((r) => child.on('close', r));
}

/** Waits until every host has applied, in sync, a version made of all of its policies. */
async function waitConverged(fleet: Fleet): Promise<{ ok: boolean; reason?: string }> {
  const deadline = Date.now() + timeoutS * 1000;
  let views: HostView[] = [];
  for (;;) {
    try {
      views = await Promise.all(fleet.hosts.map((h) => fleet.hostView(h.name)));
    } catch (e) {
      say(`controller query failed (will retry): ${(e as Error).message}`);
    }
    const done = views.length === fleet.hosts.length && views.every((v, i) => {
      const have = new Set(v.sources.map((s) => s.policy));
      return expectedPolicies(i + 1).every((p) => have.has(p)) && v.phase === 'Applied' && v.inSync === true && v.appliedVersion === v.desiredVersion;
    });
    if (done) return { ok: true };
    // a failed version is retried by its agent with backoff, so only the deadline decides
    if (Date.now() > deadline) {
      const lines = views.map((v) => `${v.name}: v${v.appliedVersion}/${v.desiredVersion} ${v.phase} inSync=${v.inSync}${v.lastError ? ` (${v.lastError.message})` : ''}`);
      return { ok: false, reason: `not every host was in sync within ${timeoutS}s:\n  ${lines.join('\n  ')}` };
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

let fleet: Fleet | undefined;
let exitCode = 0;
try {
  say(`building a fleet of ${count} host${count === 1 ? '' : 's'}${args.server ? ` on ${args.server}` : ''}`);
  fleet = await startFleet({ hosts: specs, natsPorts, say, heartbeatSeconds: 1 });
  recordRun(run, {
    namespaces: [fleet.router.name, ...fleet.hosts.map((h) => h.ns.name)],
    dirs: [fleet.dir, ...fleet.hosts.map((h) => h.ovs.dir), ...(fleet.nats ? [fleet.nats.storeDir] : [])],
  });
  console.log(renderTable(
    ['HOST', 'NAMESPACE', 'ROLE', 'UPLINK', 'OVSDB', 'AGENT PID'],
    fleet.hosts.map((h) => [h.name, h.ns.name, roleOf(h.index), `${h.address}/24 on up0`, h.ovs.db, String(h.agent?.pid ?? '-')]),
  ));
  say(`NATS: ${fleet.natsUrl}; controller pid ${fleet.controller?.pid}; logs in ${join(fleet.dir, 'logs')}`);

  // Groups first, then the per-host addresses (pools and templated policies: every host, whatever
  // --hosts says) that build on what the group policies create: a host address on stor100 means
  // nothing before the storage policy has made stor100 there.
  const file = (f: string) => join(examples, f);
  const steps: string[][] = [
    ['10-routes-dns.yaml', '20-storage-ovs-bond-vlan.yaml', '30-compute-bridge-mtu.yaml'].map(file),
    [file('35-address-pools.yaml'), file('40-host-addresses.yaml')],
  ];
  const stopEvents = printLiveEvents(fleet.client.nc, console.log, t0);
  for (const files of steps) {
    say(`fleetnet apply ${files.map((f) => `-f ${relative(repoRoot, f)}`).join(' ')} --wait`);
    const code = await cli(fleet, 'apply', ...files.flatMap((f) => ['-f', f]), '--wait', '--timeout', `${timeoutS}s`);
    if (code !== 0) say(`fleetnet apply exited with ${code}`);
  }

  const r = await waitConverged(fleet);
  stopEvents();
  say(r.ok ? `every host is in sync (${((Date.now() - t0) / 1000).toFixed(1)}s since start)` : 'the rollout did not converge');

  say('checking the data plane');
  const checks = await dataPlaneChecks(fleet.hosts);
  console.log(renderTable(['HOST', 'CHECK', 'RESULT', 'DETAIL'], checks.map((c) => [c.host, c.check, c.ok ? 'ok' : 'FAILED', c.detail])));

  say('fleetnet get hosts -o wide');
  await cli(fleet, 'get', 'hosts', '-o', 'wide');
  say('fleetnet get pools; fleetnet describe pool demo-storage');
  await cli(fleet, 'get', 'pools');
  await cli(fleet, 'describe', 'pool', 'demo-storage');

  const bad = checks.filter((c) => !c.ok);
  if (!r.ok) {
    console.error(`[demo] FAILED: ${r.reason}`);
    exitCode = EXIT_FAILED;
  } else if (bad.length) {
    console.error(`[demo] FAILED: ${bad.map((c) => `${c.host}: ${c.check}: ${c.detail}`).join('; ')}`);
    exitCode = EXIT_FAILED;
  }
  if (exitCode) for (const h of fleet.hosts) console.error(`--- ${h.name} agent log (last lines) ---\n${h.agent?.tail(15)}`);

  if (!args.once) {
    say('the fleet stays up: try, in another terminal,');
    console.log(`    pnpm fleetnet --server ${fleet.natsUrl} describe host demo-h1`);
    console.log(`    pnpm fleetnet --server ${fleet.natsUrl} watch`);
    console.log(`    ip -n ${fleet.hosts[0]!.ns.name} link set up0 mtu 1400     # drift: the agent reports it within a second`);
    say('press Enter (or Ctrl-C) to remove everything');
    const stopAgain = printLiveEvents(fleet.client.nc, console.log, t0);
    await new Promise<void>((resolve) => {
      process.stdin.resume();
      process.stdin.once('data', () => resolve());
      process.stdin.once('end', () => resolve());
    });
    stopAgain();
  }
} catch (e) {
  console.error(`[demo] FAILED: ${(e as Error).message}`);
  exitCode = EXIT_FAILED;
} finally {
  say('removing everything the demo made');
  await fleet?.stop();
}
process.exit(exitCode);
