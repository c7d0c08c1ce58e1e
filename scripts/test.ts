/**
 * The test command: build the binaries (scripts/build.ts), type-check, then every `*.test.ts` under the packages' test folders as its own
 * uvu process (each suite starts its own nats-server, namespaces, OVS), then the smoke runs. Prints
 * per-file results and, as its very last line, `N passed, N failed[, N skipped]` summed over all.
 *
 *   pnpm test                 # everything
 *   pnpm test contracts       # only files whose path contains "contracts"
 *   TEST_VERBOSE=1 pnpm test  # print every suite's full output, not only failures
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);
const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
const fileTimeoutMs = Number(process.env.TEST_FILE_TIMEOUT_S ?? 600) * 1000;
const verbose = Boolean(process.env.TEST_VERBOSE);

interface Outcome {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  output: string;
  ms: number;
}

function findTests(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (entry.endsWith('.test.ts') && /(^|\/)test\//.test(relative(root, p))) out.push(p);
  }
  return out;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[runner] killed after ${timeoutMs / 1000} s\n`;
      // SIGTERM first, so the suite's exit hooks remove its namespaces and servers.
      try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* gone */ }
      setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 1 : 0), output });
    });
  });
}

/** uvu's own summary block ("Total: / Passed: / Skipped:"), summed if a file printed several. */
function parseUvu(output: string): { total: number; passed: number; skipped: number } | undefined {
  const totals = [...output.matchAll(/^\s*Total:\s+(\d+)\s*$/gm)].map((m) => Number(m[1]));
  const passed = [...output.matchAll(/^\s*Passed:\s+(\d+)\s*$/gm)].map((m) => Number(m[1]));
  const skipped = [...output.matchAll(/^\s*Skipped:\s+(\d+)\s*$/gm)].map((m) => Number(m[1]));
  if (!totals.length || !passed.length) return undefined;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return { total: sum(totals), passed: sum(passed), skipped: sum(skipped) };
}

async function runSuite(file: string): Promise<Outcome> {
  const started = Date.now();
  const { code, output } = await run(process.execPath, ['--import', 'tsx', file], fileTimeoutMs);
  const s = parseUvu(output);
  const name = relative(root, file);
  if (!s) return { name, passed: 0, failed: 1, skipped: 0, output: `${output}\n[runner] no uvu summary (exit ${code})`, ms: Date.now() - started };
  // uvu's Total counts the tests that ran; skipped ones are only in Skipped.
  let failed = s.total - s.passed;
  // A suite that reported no failure but exited non-zero (a crash in teardown) still failed.
  if (code !== 0 && failed === 0) failed = 1;
  return { name, passed: s.passed, failed, skipped: s.skipped, output, ms: Date.now() - started };
}

async function typecheck(): Promise<Outcome> {
  const started = Date.now();
  const { code, output } = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'], 600_000);
  return { name: 'typecheck (tsc --noEmit)', passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0, output, ms: Date.now() - started };
}

/** Whole-program runs that the test command includes (the demo, the benchmarks at their smallest size). */
const SMOKES: { name: string; file: string; args: string[] }[] = [
  { name: 'smoke: pnpm demo --once', file: 'test/demo/main.ts', args: ['--once'] },
  { name: 'smoke: bench/fleet --smoke', file: 'bench/fleet/main.ts', args: ['--smoke'] },
  { name: 'smoke: bench/apply --smoke', file: 'bench/apply/main.ts', args: ['--smoke'] },
  { name: 'smoke: bench/cli --smoke', file: 'bench/cli/main.ts', args: ['--smoke'] },
];

async function smoke(s: (typeof SMOKES)[number]): Promise<Outcome> {
  const started = Date.now();
  const { code, output } = await run(process.execPath, ['--import', 'tsx', join(root, s.file), ...s.args], fileTimeoutMs);
  return { name: s.name, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0, output, ms: Date.now() - started };
}

function report(o: Outcome) {
  const status = o.failed ? 'FAIL' : 'ok  ';
  console.log(`${status} ${o.name}  (${o.passed} passed, ${o.failed} failed${o.skipped ? `, ${o.skipped} skipped` : ''}; ${(o.ms / 1000).toFixed(1)} s)`);
  for (const line of o.output.split('\n')) if (line.startsWith('SKIP:')) console.log(`     ${line}`);
  if (o.failed || verbose) console.log(o.output.replace(/^/gm, '     | '));
}

const matches = (name: string) => !filters.length || filters.some((f) => name.includes(f));
const outcomes: Outcome[] = [];

// The suites spawn the built binaries (the package bins run dist/ when it is up to date): build once, first.
{
  const started = Date.now();
  const { code, output } = await run(process.execPath, ['--import', 'tsx', join(root, 'scripts/build.ts')], 300_000);
  if (code !== 0) {
    console.log(`FAIL pnpm build (exit ${code}): nothing was tested\n${output.replace(/^/gm, '     | ')}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.log(`ok   pnpm build  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

if (!filters.length || filters.includes('typecheck')) {
  const t = await typecheck();
  report(t);
  outcomes.push(t);
}

// VM suites first: they are the longest (TCG saturates a core), the light ones fill the other worker
const isVm = (f: string) => /\/test\/vm\//.test(f);
const files = findTests(root).filter((f) => matches(relative(root, f))).sort((a, b) => Number(isVm(b)) - Number(isVm(a)) || a.localeCompare(b));
const queue = [...files];
await Promise.all(
  Array.from({ length: Math.max(1, concurrency) }, async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const o = await runSuite(f);
      report(o);
      outcomes.push(o);
    }
  }),
);

for (const s of SMOKES) {
  if (!matches(s.name)) continue;
  if (!statSync(join(root, s.file), { throwIfNoEntry: false })) continue;
  const o = await smoke(s);
  report(o);
  outcomes.push(o);
}

const total = (k: 'passed' | 'failed' | 'skipped') => outcomes.reduce((a, o) => a + o[k], 0);
const skipped = total('skipped');
console.log(`${total('passed')} passed, ${total('failed')} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(total('failed') > 0 || outcomes.length === 0 ? 1 : 0);
