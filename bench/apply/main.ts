/**
 * bench/apply: how fast the agent reaches a network end state, against the alternatives.
 *
 *   pnpm tsx bench/apply/main.ts [--sizes 1,10,50] [--runs N] [--smoke] [--out FILE]
 *
 * Run with --help for every option. Needs root (it creates network namespaces).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { onExit } from '../../test/support/cleanup.ts';
import { createNetns } from '../../test/support/netns.ts';
import { measureDrift, type DriftResult } from './drift.ts';
import { checkEndState, type EndState } from './endstate.ts';
import { fleetnetCli, fleetnetLibrary, fleetnetPackaged } from './fleetnet.ts';
import { checkGoals, GOALS, type Row } from './goals.ts';
import { ifupdown2, ifupdown2Version } from './ifupdown2.ts';
import type { Method, RunOutcome } from './method.ts';
import { naive, naiveNetnsExec, naiveOperations } from './naive.ts';
import { MAX_K, scenario } from './scenario.ts';
import { medianOfKeys, round, summarize } from './stats.ts';
import { driftTable, goalsList, resultsTable } from './table.ts';

const HELP = `Usage: pnpm tsx bench/apply/main.ts [options]

Measures the wall time to take a fresh network namespace to one end state, three ways:
  fleetnet   the agent core in-process (createAgent(...).apply: read, plan, checkpoint, one ip -batch
             per stage, verify by re-read), and the fleetnet-agent CLI as a process (start-up included)
  naive      a shell script running one \`ip -n NS ...\` process per operation (the goal's
             comparison), and the same with \`ip netns exec NS ip ...\` (a slower way into the
             namespace; for information)
  ifupdown2  Debian's ifupdown2, \`ifreload -a\` on an equivalent /etc/network/interfaces (downloaded
             with apt-get into bench/.cache and unpacked, never installed; skipped with the reason
             when it cannot be had)
End state for K: a Linux bridge br0 (MTU 9000, STP off) with K veth ports p0..p{K-1} (MTU 9000); the
other end of each pair (pNh, MTU 9000) has 2 IPv4 addresses and 1 route. Every run starts from a new
namespace; after each run the kernel state (ip -j) is checked against the expected one, and any
difference stops the bench with exit 1 before a time is reported. Then the drift watcher's latency:
an MTU changed by hand, time until the agent's watcher reports it.

Options:
  --sizes LIST       values of K, comma separated (default 1,10,50; at most ${MAX_K})
  --runs N           measured runs per method and K (default 10; smoke: 2)
  --warmup N         unmeasured runs first, per method and K (default 1; smoke: 0)
  --methods LIST     only these: fleetnet,fleetnet-cli,fleetnet-packaged,naive,naive-netns-exec,ifupdown2 (default all;
                     fleetnet-packaged is skipped without dist/sea/fleetnet from pnpm package)
  --drift-changes N  MTU changes for the drift latency (default 20; smoke: 5; 0 = skip)
  --smoke            K=1, 2 runs, 5 drift changes: a quick check that everything works (CI).
                     A missed goal is printed but never fails a smoke run.
  --out FILE         JSON results (default bench/results/apply.json; with --smoke: none unless given)
  --strict           exit 1 when a goal is missed (not in smoke mode)
  -h, --help         this text

Goals (issue 7): fleetnet median at K=10 <= ${GOALS.fleetnetMedianMs.max} ms; >= ${GOALS.fasterThanNaive}x faster than one process per
op and >= ${GOALS.fasterThanIfupdown2}x faster than ifupdown2 (at K >= ${GOALS.ratioMinK}; smaller K shown for information);
drift reported within ${GOALS.driftMaxMs} ms. Issue 12: the built fleetnet-agent apply as a process at K=${GOALS.fleetnetCliMedianMs.k}
<= ${GOALS.fleetnetCliMedianMs.max} ms. Progress goes to stderr, the table to stdout.
Exit codes: 0 done, 1 a method failed or end states differ (or --strict and a goal missed), 2 bad usage.
`;

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

function usage(msg: string): never {
  process.stderr.write(`bench/apply: ${msg}\n\n${HELP}`);
  process.exit(2);
}

function parse() {
  return parseArgs({
    options: {
      sizes: { type: 'string' },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      methods: { type: 'string' },
      'drift-changes': { type: 'string' },
      smoke: { type: 'boolean', default: false },
      out: { type: 'string' },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}
let args: ReturnType<typeof parse>;
try {
  args = parse();
} catch (e) {
  usage((e as Error).message);
}
if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const smoke = args.smoke;
const int = (name: string, v: string | undefined, dflt: number, min: number) => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer >= ${min} (got "${v}")`);
  return n;
};
const sizes = (args.sizes ?? (smoke ? '1' : '1,10,50')).split(',').map((x) => {
  const n = Number(x.trim());
  if (!Number.isInteger(n) || n < 1 || n > MAX_K) usage(`--sizes: "${x}" is not an integer from 1 to ${MAX_K}`);
  return n;
});
const runs = int('runs', args.runs, smoke ? 2 : 10, 1);
const warmup = int('warmup', args.warmup, smoke ? 0 : 1, 0);
const driftChanges = int('drift-changes', args['drift-changes'], smoke ? 5 : 20, 0);
const ALL: Method[] = [fleetnetLibrary, fleetnetCli, fleetnetPackaged, naive, naiveNetnsExec, ifupdown2];
const wanted = args.methods ? args.methods.split(',').map((s) => s.trim()) : ALL.map((m) => m.id);
for (const w of wanted) if (!ALL.some((m) => m.id === w)) usage(`--methods: unknown method "${w}" (known: ${ALL.map((m) => m.id).join(', ')})`);
if (!wanted.includes('fleetnet')) usage('--methods must include fleetnet (the other rows are compared with it)');
// a smoke run (CI) leaves nothing behind unless asked to
const out = args.out ? resolve(args.out) : smoke ? undefined : join(repoRoot, 'bench/results/apply.json');

if (process.getuid?.() !== 0) {
  process.stderr.write('bench/apply: must run as root (it creates network namespaces)\n');
  process.exit(2);
}

const progress = (msg: string) => process.stderr.write(`[bench/apply] ${msg}\n`);
const startedAt = Date.now();

// Every run gets its own temp directory under this one; removed at exit whatever happens.
const base = mkdtempSync(join(tmpdir(), 'fleetnet-bench-apply-'));
onExit(`dir-${base}`, () => rmSync(base, { recursive: true, force: true }));
let runSeq = 0;

async function oneRun(m: Method, k: number): Promise<{ outcome: RunOutcome; end: EndState }> {
  const s = scenario(k);
  const ns = createNetns('ap');
  const dir = join(base, `run-${++runSeq}`);
  mkdirSync(dir);
  try {
    const outcome = await m.run({ ns: ns.name, scenario: s, dir });
    // Checked before the time counts: a method that did not reach the end state has no time.
    const end = checkEndState(ns.name, s, m.label);
    return { outcome, end };
  } finally {
    ns.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const methods = ALL.filter((m) => wanted.includes(m.id));
  const skipped: { id: string; label: string; reason: string }[] = [];
  const active: Method[] = [];
  for (const m of methods) {
    const reason = m.prepare ? await m.prepare() : undefined;
    if (reason) {
      progress(`${m.label}: skipped: ${reason}`);
      skipped.push({ id: m.id, label: m.label, reason });
    } else active.push(m);
  }

  const rows: Row[] = [];
  for (const k of sizes) {
    const times = new Map<string, number[]>(active.map((m) => [m.id, []]));
    const breakdowns = new Map<string, Record<string, number>[]>(active.map((m) => [m.id, []]));
    const ends = new Map<string, string>();
    // Round robin over the methods, so that a noisy moment of the machine is shared between them.
    for (let i = 0; i < warmup + runs; i++) {
      const warm = i < warmup;
      for (const m of active) {
        const { outcome, end } = await oneRun(m, k);
        ends.set(m.id, canonical(end));
        if (warm) continue;
        times.get(m.id)!.push(outcome.ms);
        if (outcome.breakdown) breakdowns.get(m.id)!.push(outcome.breakdown);
      }
      progress(`K=${k} ${warm ? `warm-up ${i + 1}/${warmup}` : `run ${i - warmup + 1}/${runs}`}: ${active.map((m) => `${m.id} ${warm ? '-' : times.get(m.id)!.at(-1)!.toFixed(0) + ' ms'}`).join(', ')}`);
    }
    // Every method's end state equals the expected one (checked per run); say so explicitly across methods too.
    const distinct = new Set(ends.values());
    if (distinct.size !== 1) throw new Error(`end states differ between methods at K=${k}`);
    for (const m of active) {
      const b = breakdowns.get(m.id)!;
      rows.push({ method: m.id, label: m.label, k, runs: times.get(m.id)!.map((x) => round(x, 2)), summary: summarize(times.get(m.id)!), ...(b.length ? { breakdown: medianOfKeys(b) } : {}) });
    }
  }

  let drift: DriftResult | undefined;
  if (driftChanges > 0) {
    const k = sizes.includes(10) ? 10 : sizes[0]!;
    progress(`drift: ${driftChanges} MTU changes on K=${k}`);
    const ns = createNetns('ad');
    const dir = join(base, 'drift');
    mkdirSync(dir);
    try {
      drift = await measureDrift(ns, scenario(k), dir, driftChanges, progress);
    } finally {
      ns.remove();
    }
  }

  const goals = checkGoals(rows, drift?.summary);
  const missed = goals.filter((g) => !g.met && !g.info);

  // ---- report ----------------------------------------------------------------------------------
  const lines: string[] = [];
  lines.push(`bench/apply${smoke ? ' (smoke)' : ''}: end state = bridge br0 + K veth ports (MTU 9000), 2 IPv4 addresses and 1 route per pair; ${runs} run(s) per cell after ${warmup} warm-up`);
  lines.push(`end states: every run of every method matched the expected kernel state (ip -j: links, MTU, up, master, veth peer, STP, addresses, routes)`);
  lines.push('');
  lines.push(resultsTable(rows, goals, skipped));
  const f = rows.filter((r) => r.method === 'fleetnet' && r.breakdown);
  if (f.length) {
    lines.push('');
    lines.push('where fleetnet\'s time goes (median ms per phase over the runs, from the agent\'s own timings; medians do not add up exactly):');
    for (const r of f) {
      const b = r.breakdown!;
      lines.push(
        `  K=${String(r.k).padEnd(3)} read ${b.readMs ?? '-'}  plan ${b.planMs ?? '-'}  probes ${b.probeMs ?? '-'}  execute (ip -batch) ${b.applyMs ?? '-'}  ` +
          `verify (re-read) ${b.verifyMs ?? '-'}  checkpoint+commit ${b.otherMs ?? '-'}  total ${b.totalMs ?? '-'}  (${b.operations} operations)`,
      );
    }
  }
  const perProcess = rows.filter((r) => r.method.startsWith('naive') && r.breakdown?.processes);
  if (perProcess.length) {
    lines.push('per-process cost of the naive scripts (median ÷ processes): ' +
      perProcess.map((r) => `${r.method === 'naive' ? 'ip -n' : 'ip netns exec'} K=${r.k} ${(r.summary.median / r.breakdown!.processes!).toFixed(1)} ms`).join(', '));
    lines.push('fleetnet\'s fixed cost per apply is 3 rounds of processes (read: 2 in parallel; one ip -batch; verify re-read: 2 in parallel), each entering the namespace with ip -n, as the naive ip -n script does.');
  }
  if (drift) {
    lines.push('');
    lines.push(driftTable(drift, goals.find((g) => g.goal.startsWith('drift'))));
    lines.push(`  measured to ${drift.measuredTo}; debounce ${drift.debounceMs} ms as in the daemon`);
  }
  lines.push('');
  lines.push('goals:');
  lines.push(goalsList(goals));
  if (!sizes.some((k) => k >= GOALS.ratioMinK)) lines.push(`  (the speed goals are for K ≥ ${GOALS.ratioMinK}; K=${sizes.join(',')} is shown for information)`);
  if (missed.length) lines.push(`${missed.length} goal(s) missed${smoke ? ' (smoke run: not a failure)' : ''}`);
  process.stdout.write(lines.join('\n') + '\n');

  const report = {
    benchmark: 'bench/apply',
    date: new Date().toISOString(),
    smoke,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      kernel: release(),
      node: process.version,
      iproute2: safe(() => execFileSync('ip', ['-V']).toString().trim()),
      ifupdown2: ifupdown2Version() || undefined,
      loadavgAtStart: loadAtStart.map((x) => round(x, 2)),
    },
    config: { sizes, runs, warmup, methods: active.map((m) => m.id), driftChanges },
    scenario: {
      description: 'fresh netns; Linux bridge br0 (up, MTU 9000, STP off) with K veth ports pN (up, MTU 9000); each peer pNh (up, MTU 9000) has 10.N.0.1/24 and 10.N.1.1/24 and a route 172.16.N.0/24 via 10.N.0.254',
      naiveProcesses: Object.fromEntries(sizes.map((k) => [k, naiveOperations(scenario(k)).length])),
    },
    methods: Object.fromEntries(methods.map((m) => [m.id, { label: m.label, timed: m.timed }])),
    results: rows.map((r) => {
      const fl = rows.find((x) => x.method === 'fleetnet' && x.k === r.k)!;
      const s = r.summary;
      return {
        method: r.method, k: r.k, runsMs: r.runs,
        medianMs: round(s.median, 2), p10Ms: round(s.p10, 2), p90Ms: round(s.p90, 2), minMs: round(s.min, 2), maxMs: round(s.max, 2),
        ratioToFleetnet: round(s.median / fl.summary.median, 2),
        ...(r.breakdown ? { breakdownMedian: r.breakdown } : {}),
      };
    }),
    skipped: skipped.map((s) => ({ method: s.id, reason: s.reason })),
    drift: drift && {
      changes: drift.changes, debounceMs: drift.debounceMs, measuredTo: drift.measuredTo,
      latenciesMs: drift.latencies.map((x) => round(x, 1)),
      medianMs: round(drift.summary.median), p90Ms: round(drift.summary.p90), maxMs: round(drift.summary.max),
    },
    goals,
    goalsMet: missed.length === 0,
    durationS: round((Date.now() - startedAt) / 1000),
  };
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  }
  progress(`${out ? `wrote ${relative(process.cwd(), out) || out}` : 'done'} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  return missed.length && args.strict && !smoke ? 1 : 0;
}

/** JSON with object keys sorted, so that two states compare equal whatever order they were read in. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

const loadAtStart = loadavg();
try {
  process.exitCode = await main();
} catch (e) {
  process.stderr.write(`bench/apply: error: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
