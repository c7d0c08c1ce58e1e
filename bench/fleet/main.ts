/**
 * bench/fleet: fleet convergence at 100 / 1,000 / 10,000 simulated hosts, controller cost,
 * fold rate and projection rebuild time. See --help and bench/fleet/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runFleet, type RunResult } from './run.ts';
import { runSynthetic, type SyntheticResult } from './synthetic.ts';

const HELP = `bench/fleet — how fast a fleet converges, and what the controller pays for it

Usage:
  pnpm tsx bench/fleet/main.ts [--sizes 100,1000,10000] [options]
  pnpm tsx bench/fleet/main.ts --smoke          # CI: 100 hosts, 10,000-event rebuild, < 60 s

For each size it starts its own nats-server (JetStream on file storage in a temporary directory,
free port), one controller as a child process (services/controller/bin/fleetnet-controller.js),
and N simulated hosts (@fleetnet/sim, the sim/ package: an in-memory host with
eth0..eth3) spread over a few worker processes, one NATS connection per worker. The sim agents
speak the real agent's protocol: hello, state, heartbeats, direct get + subscription of their own
desired subject, sync Applying → Applied with per-property results from contracts' compare().

Then:
  1. publishes policy 'bench-fleet' (matches every host, maxUnavailable 100%) and measures, per
     host, the time from publishing the intent event to the host showing Applied for it in the
     projection the controller publishes (KV bucket fleetnet_hosts, watched live): p50/p95/p99/max,
     and the whole-fleet time (the last host);
  2. publishes revision 2 with maxUnavailable 10%: whole-fleet time, and the most hosts that were
     applying at once (desired version stored → Applied sync stored, from the streams' timestamps);
  3. reads the controller's CPU time (/proc/PID/stat, from 'controller ready' to the end of step 2)
     and peak RSS (VmHWM), and rebuilds the projection from that run's streams (rebuildFromStreams),
     checking the rebuilt host views against the live ones.
Finally, synthetic but valid events (hello/state/desired/sync per contracts): the pure fold
(Projector.apply, in memory) over --rebuild-events events, and rebuildFromStreams over the same
events published into the streams of a fresh nats-server.

Output: a table on stdout with goals (✓/✗), JSON in --out, progress on stderr.
Goals (2-core machine): 1,000 hosts p99 ≤ 3 s; 10,000 hosts p99 ≤ 20 s; fold ≥ 20,000 events/s;
rebuild of 1,000,000 events ≤ 60 s. A missed goal never changes the exit code; a fleet that did not
converge (or a rebuild that differs from the live projection) exits 1.

Options:
  --sizes LIST          fleet sizes, comma separated (default 100,1000,10000)
  --smoke               size 100, 10,000 synthetic events, shorter timeouts (what CI runs)
  --out FILE            JSON results (default bench/results/fleet.json; with --smoke: none unless given)
  --workers N           worker processes for the sim hosts (default 2; one NATS connection each)
  --rebuild-events N    synthetic events for the fold/rebuild measurement (default 1000000; 0: skip)
  --heartbeat-ms MS     sim agents' heartbeat interval (default 10000, as the real agent)
  --execute-ms MS       simulated time of one apply on a sim host (default 0: in-memory speed)
  --phase-timeout S     give up on a phase (registration, a rollout) after S seconds (default 300)
  --max-payload BYTES   nats-server max_payload (default: the server's 1 MB)
  --profile DIR         run the controller under node --cpu-prof, profiles written to DIR
  -h, --help            this text

Everything it starts (nats-server, controller, workers) is stopped by pid and temporary
directories are removed when it ends, also on Ctrl-C.
`;

function parseOrExit() {
  try {
    return parseArgs({
      options: {
        sizes: { type: 'string' },
        smoke: { type: 'boolean', default: false },
        out: { type: 'string' },
        workers: { type: 'string' },
        'rebuild-events': { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        'execute-ms': { type: 'string' },
        'phase-timeout': { type: 'string' },
        'max-payload': { type: 'string' },
        profile: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\nSee --help.\n`);
    process.exit(2);
  }
}
const { values: a } = parseOrExit();

if (a.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const int = (name: string, v: string | undefined, dflt: number, min = 0): number => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer ≥ ${min}, not "${v}"\n`);
    process.exit(2);
  }
  return n;
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const smoke = a.smoke;
const sizes = (a.sizes ?? (smoke ? '100' : '100,1000,10000')).split(',').map((s) => int('sizes', s.trim(), 0, 1));
const opts = {
  sizes,
  workers: int('workers', a.workers, 2, 1),
  rebuildEvents: int('rebuild-events', a['rebuild-events'], smoke ? 10_000 : 1_000_000),
  heartbeatMs: int('heartbeat-ms', a['heartbeat-ms'], 10_000, 100),
  executeDelayMs: int('execute-ms', a['execute-ms'], 0),
  phaseTimeoutS: int('phase-timeout', a['phase-timeout'], smoke ? 40 : 300, 1),
  ...(a['max-payload'] ? { maxPayload: int('max-payload', a['max-payload'], 0, 1024) } : {}),
  ...(a.profile ? { profileDir: resolve(a.profile) } : {}),
};
const out = a.out ? resolve(a.out) : smoke ? undefined : resolve(root, 'bench/results/fleet.json');
if (opts.profileDir) mkdirSync(opts.profileDir, { recursive: true });

const log = (m: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
const started = Date.now();

function natsVersion(): string {
  try {
    return execFileSync('nats-server', ['--version']).toString().trim();
  } catch {
    return 'unknown';
  }
}

const GOALS = {
  p99At1000: 3,
  p99At10000: 20,
  foldEventsPerS: 20_000,
  rebuild1MS: 60,
};

const runs: RunResult[] = [];
const failures: string[] = [];
for (const size of sizes) {
  try {
    const r = await runFleet({ size, ...opts, log });
    runs.push(r);
    if (!r.converged) failures.push(`${size} hosts: did not converge (${r.rollout.converged}/${size} rev 1, ${r.paced.converged}/${size} rev 2)`);
    if (r.rolloutApi.error) failures.push(`${size} hosts: rollouts.get failed: ${r.rolloutApi.error}`);
    if (!r.rebuild.matchesLive) failures.push(`${size} hosts: the rebuild differs from the live projection: ${r.rebuild.mismatches.join('; ')}`);
  } catch (e) {
    failures.push(`${size} hosts: ${(e as Error).message}`);
    log(`[fleet ${size}] FAILED: ${(e as Error).stack}`);
  }
}

let synthetic: SyntheticResult | undefined;
if (opts.rebuildEvents > 0) {
  try {
    synthetic = await runSynthetic(opts.rebuildEvents, log);
    if (!synthetic.rebuild.equalToFold) failures.push('synthetic: the rebuild from the streams differs from the in-memory fold');
  } catch (e) {
    failures.push(`synthetic: ${(e as Error).message}`);
    log(`[synthetic] FAILED: ${(e as Error).stack}`);
  }
}

// ---- report --------------------------------------------------------------------------------------

const f = (n: number | undefined, d = 2) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(d));
const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? ' ✓' : ' ✗');
const p99Goal = (size: number) => (size === 1000 ? GOALS.p99At1000 : size === 10000 ? GOALS.p99At10000 : undefined);

const header = ['hosts', 'conns', 'p50 s', 'p95 s', 'p99 s', 'max s', 'fleet s', 'paced s', 'max applying', 'ctl CPU s', 'ctl RSS MB', 'events', 'rebuild s', 'rebuild ev/s'];
const rows: string[][] = runs.map((r) => {
  const goal = p99Goal(r.size);
  return [
    String(r.size),
    String(r.connections),
    f(r.rollout.p50), f(r.rollout.p95),
    f(r.rollout.p99) + mark(goal === undefined ? undefined : r.rollout.converged === r.size && r.rollout.p99 <= goal),
    f(r.rollout.max), f(r.rollout.fleetS), f(r.paced.fleetS),
    `${r.paced.maxApplying} (≤ ${r.paced.maxUnavailable})`,
    f(r.controller.cpuS, 1), f(r.controller.peakRssMb, 0),
    String(r.rebuild.events), f(r.rebuild.s), f(r.rebuild.eventsPerS, 0),
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
const lines: string[] = [];
lines.push(line(header));
lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) lines.push(line(r));
lines.push('');
lines.push('p50..max: intent published → host Applied in the projection (KV fleetnet_hosts), revision 1, maxUnavailable 100%.');
lines.push('paced: revision 2 with maxUnavailable 10%, whole fleet; max applying: most hosts between desired stored and Applied stored.');
lines.push('ctl CPU: controller user+sys seconds from ready to the end of revision 2; RSS: its VmHWM. rebuild: rebuildFromStreams of that run.');
let foldOk: boolean | undefined;
let rebuildOk: boolean | undefined;
if (synthetic) {
  foldOk = synthetic.fold.eventsPerS >= GOALS.foldEventsPerS;
  const at1M = synthetic.events >= 1_000_000;
  rebuildOk = at1M ? synthetic.rebuild.s <= GOALS.rebuild1MS : undefined;
  lines.push('');
  lines.push(`synthetic events: ${synthetic.events} (${synthetic.hosts} hosts; intent ${synthetic.byStream.intent}, desired ${synthetic.byStream.desired}, reports ${synthetic.byStream.reports}; ${(synthetic.bytes / 1e6).toFixed(0)} MB)`);
  lines.push(`  pure fold (Projector.apply + flush, in memory): ${f(synthetic.fold.s)} s = ${f(synthetic.fold.eventsPerS, 0)} events/s${mark(foldOk)} (goal ≥ ${GOALS.foldEventsPerS})`);
  lines.push(`  rebuildFromStreams: ${f(synthetic.rebuild.s)} s = ${f(synthetic.rebuild.eventsPerS, 0)} events/s${at1M ? `${mark(rebuildOk)} (goal 1,000,000 events ≤ ${GOALS.rebuild1MS} s)` : ` (goal is for 1,000,000 events; ≈ ${f((1_000_000 / synthetic.rebuild.eventsPerS), 0)} s at this rate)`}${synthetic.rebuild.equalToFold ? '' : ' — DIFFERS from the fold'}`);
}
if (runs.length) {
  lines.push('');
  lines.push('CPU seconds from controller ready to the end of revision 2 (2 cores shared by all of them):');
  for (const r of runs) {
    const agents = r.workerStats.reduce((n, w) => n + w.cpuS, 0);
    lines.push(`  ${r.size} hosts: controller ${f(r.controller.cpuS, 1)} (registration ${f(r.controller.cpuByPhase.registration, 1)}, revision 1 ${f(r.controller.cpuByPhase.revision1, 1)}, revision 2 ${f(r.controller.cpuByPhase.revision2, 1)}), nats-server ${f(r.natsServerCpuS, 1)}, sim workers ${f(agents, 1)} (whole life); registration took ${f(r.registrationS, 1)} s`);
  }
}
if (runs.length) {
  lines.push('');
  lines.push(`rollouts.get after the run: ${runs.map((r) => `${r.size}: ${r.rolloutApi.error ? `ERROR ${r.rolloutApi.error}` : `${r.rolloutApi.hostsListed}/${r.rolloutApi.total} hosts listed, ${Math.round(r.rolloutApi.bytes / 1024)} KB`}`).join('; ')}`);
}
const conns = runs.map((r) => `${r.size}: ${r.connectionsDetail}`);
if (conns.length) {
  lines.push('');
  lines.push(`NATS connections: ${conns.join('; ')}`);
}
if (failures.length) {
  lines.push('');
  for (const x of failures) lines.push(`FAILED: ${x}`);
}
process.stdout.write(`${lines.join('\n')}\n`);

const goals = [
  ...runs.filter((r) => p99Goal(r.size) !== undefined).map((r) => ({
    goal: `${r.size} hosts p99 ≤ ${p99Goal(r.size)} s`, value: r.rollout.p99, met: r.rollout.converged === r.size && r.rollout.p99 <= p99Goal(r.size)!,
  })),
  ...(synthetic ? [{ goal: `fold ≥ ${GOALS.foldEventsPerS} events/s`, value: synthetic.fold.eventsPerS, met: foldOk! }] : []),
  ...(synthetic && rebuildOk !== undefined ? [{ goal: `rebuild of 1,000,000 events ≤ ${GOALS.rebuild1MS} s`, value: synthetic.rebuild.s, met: rebuildOk }] : []),
];

if (out) {
  const cpuList = cpus();
  const result = {
    benchmark: 'fleet',
    date: new Date().toISOString(),
    durationS: (Date.now() - started) / 1000,
    machine: {
      cpus: cpuList.length, cpuModel: cpuList[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 1e9),
      kernel: release(), node: process.version, natsServer: natsVersion(),
    },
    options: { ...opts, smoke },
    runs,
    synthetic,
    goals,
    failures,
    table: lines.join('\n'),
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  log(`results written to ${out}`);
}
log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failures.length ? 1 : 0);
