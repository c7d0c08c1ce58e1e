import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExit } from '../support/cleanup.ts';
import { ovsAvailable } from '../support/ovs.ts';
import { waitFor } from '../support/ports.ts';
import { testUnless } from '../support/skip.ts';
import { repoRoot } from '../support/fleet.ts';
import { cleanupRun, listRuns, markedProcesses, type DemoRun } from './runs.ts';

/**
 * `pnpm demo` under a supervisor: SIGTERM to the pnpm process (which does not pass it on) removes
 * the whole fleet; after kill -9 of the demo, `pnpm demo --cleanup` removes what it left. Each test
 * uses its own run directory, so --cleanup sees only the run this test started.
 */
const why = process.getuid?.() !== 0 ? 'needs root (network namespaces)' : ovsAvailable();

function netnsNames(): string[] {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
}

/** What of a run is still there: marked processes, its namespaces, its directories, its run file. */
function leftOf(run: DemoRun, dir: string) {
  const ns = new Set(netnsNames());
  return {
    processes: markedProcesses(run.id),
    namespaces: run.namespaces.filter((n) => ns.has(n)),
    dirs: run.dirs.filter((d) => existsSync(d)),
    runFile: existsSync(join(dir, `${run.id}.json`)),
  };
}
const nothing = { processes: [], namespaces: [], dirs: [], runFile: false };

interface Started {
  child: ChildProcess;
  dir: string;
  run: DemoRun;
  output: () => string;
}

/** `pnpm demo --hosts 1` (stays up), until its fleet is built and recorded. */
async function startDemo(): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetnet-demo-test-'));
  const child = spawn('pnpm', ['demo', '--hosts', '1'], {
    cwd: repoRoot,
    env: { ...process.env, FLEETNET_DEMO_RUN_DIR: dir, NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  // whatever happens to the test, what this run made goes
  onExit(`demo-test-${dir}`, () => {
    try {
      child.kill('SIGKILL');
    } catch {
      // gone
    }
    for (const r of listRuns(dir)) cleanupRun(r, dir);
    rmSync(dir, { recursive: true, force: true });
  });
  let run: DemoRun | undefined;
  await waitFor(() => {
    run = listRuns(dir).find((r) => r.namespaces.length > 0);
    return run !== undefined || child.exitCode !== null;
  }, 180_000, 'the demo fleet is built', 500);
  if (!run) throw new Error(`the demo exited before building its fleet:\n${out}`);
  return { child, dir, run, output: () => out };
}

testUnless(test, why, 'SIGTERM to `pnpm demo` (pnpm does not pass it on): the demo sees its parent go and removes the whole fleet', async () => {
  const d = await startDemo();
  const before = leftOf(d.run, d.dir);
  assert.ok(before.processes.length >= 4, `nats-server, controller, agent, OVS are running: ${JSON.stringify(before)}`);
  assert.ok(before.namespaces.length >= 2, 'router and host namespaces exist');
  d.child.kill('SIGTERM');
  try {
    await waitFor(() => JSON.stringify(leftOf(d.run, d.dir)) === JSON.stringify(nothing), 60_000, 'everything removed', 500);
  } catch {
    assert.equal(leftOf(d.run, d.dir), nothing, `left after SIGTERM to pnpm:\n${d.output().slice(-3000)}`);
  }
  assert.match(d.output(), /went away: removing everything/);
});

testUnless(test, why, 'kill -9 of the demo leaves its fleet; `pnpm demo --cleanup` removes exactly that', async () => {
  const d = await startDemo();
  process.kill(d.run.pid, 'SIGKILL');
  await waitFor(() => d.child.exitCode !== null || d.child.signalCode !== null, 30_000, 'pnpm ends with its demo');
  await new Promise((r) => setTimeout(r, 1000));
  const left = leftOf(d.run, d.dir);
  assert.ok(left.processes.length >= 4 && left.namespaces.length >= 2 && left.runFile, `kill -9 leaves the fleet behind: ${JSON.stringify(left)}`);
  const r = spawnSync('pnpm', ['-s', 'demo', '--cleanup'], { cwd: repoRoot, env: { ...process.env, FLEETNET_DEMO_RUN_DIR: d.dir }, encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`run ${d.run.id}: stopped \\d+ processes, removed ${left.namespaces.length} namespaces`));
  assert.equal(leftOf(d.run, d.dir), nothing);
  const again = spawnSync('pnpm', ['-s', 'demo', '--cleanup'], { cwd: repoRoot, env: { ...process.env, FLEETNET_DEMO_RUN_DIR: d.dir }, encoding: 'utf8', timeout: 60_000 });
  assert.match(again.stdout, /nothing to clean up/);
});

test.run();
