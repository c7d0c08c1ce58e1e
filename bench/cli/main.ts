/**
 * bench/cli: how fast the fleetnet commands answer, as processes, against `node -e 0` on the same
 * machine in the same run.
 *
 *   pnpm tsx bench/cli/main.ts [--runs N] [--smoke] [--out FILE]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildAll, distDir, productVersion, root } from '../../scripts/build.ts';
import { startNats } from '../../test/support/nats.ts';
import { startControllerProcess, type Proc } from '../../test/support/proc.ts';
import { tail, timeProcess } from '../apply/proc.ts';
import { round, summarize, type Summary } from '../apply/stats.ts';

const GOAL_RATIO = 4;

const HELP = `Usage: pnpm tsx bench/cli/main.ts [options]

Wall time of fleetnet commands run as processes (spawn to exit), next to \`node -e 0\` measured in
the same run, round robin so that a noisy moment of the machine is shared by every row:
  node -e 0                      Node starting and doing nothing: the floor
  fleetnet --help                the built CLI (node dist/fleetnet.cjs, what the package bin runs)
  fleetnet get hosts             the same against a live controller (its own nats-server, empty fleet)
  packaged fleetnet …            the single executable of the packages (dist/sea/fleetnet, when
                                 \`pnpm package\` made one), for information
  bin fleetnet --help            cli/bin/fleetnet.js in the checkout (checks the bundle is fresh), info
  from sources (tsx)             tsx cli/src/main.ts --help: what every CLI process paid before, info

Options:
  --runs N      measured runs per row (default 20; smoke: 3), after one warm-up run
  --smoke       3 runs, no tsx row: a quick check that everything works (CI); never fails on a goal
  --out FILE    JSON results (default bench/results/cli.json; with --smoke: none unless given)
  --strict      exit 1 when a goal is missed (not in smoke mode)
  -h, --help    this text

Goals (issue 12): fleetnet --help and fleetnet get hosts, median <= ${GOAL_RATIO}x the median of node -e 0.
Exit codes: 0 done, 1 a command failed (or --strict and a goal missed), 2 bad usage.
`;

function usage(message: string): never {
  process.stderr.write(`bench/cli: ${message}\n\n${HELP}`);
  process.exit(2);
}

let args: { runs?: string; smoke?: boolean; out?: string; strict?: boolean; help?: boolean };
try {
  args = parseArgs({
    options: { runs: { type: 'string' }, smoke: { type: 'boolean' }, out: { type: 'string' }, strict: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  }).values;
} catch (e) {
  usage((e as Error).message);
}
if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const runs = Number(args.runs ?? (args.smoke ? 3 : 20));
if (!Number.isInteger(runs) || runs < 1) usage('--runs must be a positive integer');
const out = args.out ? resolve(args.out) : args.smoke ? undefined : join(root, 'bench/results/cli.json');
const say = (s: string) => process.stderr.write(`[bench/cli] ${s}\n`);

interface RowSpec {
  id: string;
  label: string;
  argv: string[];
  /** compared with node -e 0 against the goal */
  goal?: boolean;
  /** what its stdout must contain: a command that did not do its job is no measurement */
  expect: RegExp;
}

interface Row extends Omit<RowSpec, 'expect'> {
  summary: Summary;
  runs: number[];
  ratio: number;
  met?: boolean;
}

async function main() {
  const load: { before: number[]; after?: number[] } = { before: loadavg().map((x) => round(x, 2)) };
  say(`building the bundles; load average ${load.before.join(' ')} on ${cpus().length} CPUs`);
  await buildAll();
  const nats = await startNats();
  let controller: Proc | undefined;
  try {
    controller = await startControllerProcess({ args: ['--server', nats.url, '--log-level', 'warn'], entry: [join(distDir, 'fleetnet-controller.cjs')] });
    const cli = join(distDir, 'fleetnet.cjs');
    const sea = join(distDir, 'sea/fleetnet');
    const server = ['--server', nats.url];
    const specs: RowSpec[] = [
      { id: 'node', label: 'node -e 0', argv: [process.execPath, '-e', 'process.stdout.write("ok")'], expect: /ok/ },
      { id: 'help', label: 'fleetnet --help', argv: [process.execPath, cli, '--help'], goal: true, expect: /Usage: fleetnet/ },
      { id: 'get-hosts', label: 'fleetnet get hosts', argv: [process.execPath, cli, ...server, 'get', 'hosts'], goal: true, expect: /no hosts|NAME/i },
      ...(existsSync(sea)
        ? [
          { id: 'sea-help', label: 'packaged fleetnet --help', argv: [sea, '--help'], expect: /Usage: fleetnet/ },
          { id: 'sea-get-hosts', label: 'packaged fleetnet get hosts', argv: [sea, ...server, 'get', 'hosts'], expect: /no hosts|NAME/i },
        ]
        : []),
      { id: 'bin-help', label: 'bin fleetnet --help', argv: [process.execPath, join(root, 'cli/bin/fleetnet.js'), '--help'], expect: /Usage: fleetnet/ },
      ...(args.smoke ? [] : [{ id: 'tsx-help', label: 'from sources (tsx) --help', argv: [process.execPath, '--import', 'tsx', join(root, 'cli/src/main.ts'), '--help'], expect: /Usage: fleetnet/ }]),
    ];
    const times = new Map<string, number[]>(specs.map((s) => [s.id, []]));
    for (let i = -1; i < runs; i++) {
      for (const s of specs) {
        // the packaged program keeps its code cache in the bench's folder, never the machine's /var/cache/fleetnet
        const env = { ...process.env, NO_COLOR: '1', FLEETNET_CODE_CACHE_DIR: join(root, 'bench/.cache/code-cache') };
        const r = await timeProcess(s.argv, { cwd: root, timeoutMs: 60_000, env });
        if (r.code !== 0 || !s.expect.test(r.stdout)) {
          throw new Error(`${s.label} exited ${r.code ?? r.signal ?? r.spawnError} without ${s.expect}:\n${tail(r.stdout + '\n' + r.stderr, 15)}`);
        }
        if (i >= 0) times.get(s.id)!.push(r.ms);
      }
      if (i >= 0) say(`run ${i + 1}/${runs}: ${specs.map((s) => `${s.id} ${Math.round(times.get(s.id)!.at(-1)!)} ms`).join(', ')}`);
    }
    load.after = loadavg().map((x) => round(x, 2));
    const floor = summarize(times.get('node')!).median;
    const rows: Row[] = specs.map(({ expect: _, ...s }) => {
      const summary = summarize(times.get(s.id)!);
      const ratio = summary.median / floor;
      return { ...s, summary, runs: times.get(s.id)!.map((x) => round(x)), ratio: round(ratio, 2), ...(s.goal ? { met: ratio <= GOAL_RATIO } : {}) };
    });
    print(rows, runs, load);
    if (out) {
      mkdirSync(dirname(out), { recursive: true });
      const { version, commit } = productVersion();
      writeFileSync(out, JSON.stringify({
        bench: 'cli', date: new Date().toISOString(), version, commit, node: process.version, cpus: cpus().length,
        loadavg: load, runsPerRow: runs, goal: `median <= ${GOAL_RATIO}x node -e 0`, rows,
      }, null, 2) + '\n');
      say(`wrote ${relative(process.cwd(), out)}`);
    }
    const missed = rows.filter((r) => r.met === false);
    if (missed.length) console.log(`${missed.length} goal(s) missed`);
    return missed.length && args.strict && !args.smoke ? 1 : 0;
  } finally {
    await controller?.stop('SIGTERM', 5000);
    await nats.stop();
  }
}

function print(rows: Row[], runs: number, load: { before: number[]; after?: number[] }) {
  console.log(`bench/cli: ${runs} run(s) per row after 1 warm-up, round robin; load average ${load.before.join(' ')} before, ${load.after?.join(' ')} after (${cpus().length} CPUs)\n`);
  const head = ['command', 'median', 'p10', 'p90', 'min', 'max', '÷ node -e 0', 'goal'];
  const cells = rows.map((r) => [
    r.label, ...[r.summary.median, r.summary.p10, r.summary.p90, r.summary.min, r.summary.max].map((x) => `${x.toFixed(1)} ms`),
    `${r.ratio.toFixed(2)}×`, r.met === undefined ? '' : `≤ ${GOAL_RATIO}× ${r.met ? '✓' : '✗'}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  for (const line of [head, ...cells]) console.log(line.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`bench/cli: ${(e as Error).message}`);
    process.exit(1);
  },
);
