import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What one `pnpm demo` run made, so that `pnpm demo --cleanup` can remove it after the demo was
 * killed (kill -9, a supervisor that does not pass SIGTERM on). Three marks, all unique to the run:
 *  - every process it starts inherits FLEETNET_DEMO_RUN=<run id> in its environment (nats-server,
 *    controller, agents, ovsdb-server, ovs-vswitchd, namespace relays), visible in /proc/PID/environ;
 *  - its namespaces are named fn-<tag>-<demo pid in base 36><6 hex> (test/support/netns.ts);
 *  - a run file in the run directory holds the pid, its start time and, once built, the fleet's
 *    namespaces and temporary directories.
 * Nothing without one of these marks is touched, and never a run whose demo process still lives.
 */
export const RUN_ENV = 'FLEETNET_DEMO_RUN';

export const runDir = () => process.env.FLEETNET_DEMO_RUN_DIR ?? join(tmpdir(), 'fleetnet-demo-runs');

export interface DemoRun {
  id: string;
  pid: number;
  /** /proc/PID/stat start time (clock ticks since boot): a reused pid is not the demo */
  startTicks: number;
  namespaces: string[];
  dirs: string[];
}

/** The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** ppid and start time of a live process (fields 4 and 22 of /proc/PID/stat); an exited one not yet reaped (zombie) is not live. */
export function procInfo(pid: number): { ppid: number; startTicks: number } | undefined {
  const f = statFields(pid);
  if (!f || f[0] === 'Z' || f[0] === 'X') return undefined;
  return { ppid: Number(f[1]), startTicks: Number(f[19]) };
}

const runFile = (id: string, dir = runDir()) => join(dir, `${id}.json`);

/** Marks this process (and so every child it starts) as one demo run, and records it. */
export function beginRun(): DemoRun {
  const run: DemoRun = { id: `${process.pid}-${Date.now().toString(36)}`, pid: process.pid, startTicks: procInfo(process.pid)?.startTicks ?? 0, namespaces: [], dirs: [] };
  process.env[RUN_ENV] = run.id;
  mkdirSync(runDir(), { recursive: true, mode: 0o700 });
  writeFileSync(runFile(run.id), JSON.stringify(run, null, 2));
  return run;
}

export function recordRun(run: DemoRun, made: { namespaces: string[]; dirs: string[] }): void {
  run.namespaces = [...new Set([...run.namespaces, ...made.namespaces])];
  run.dirs = [...new Set([...run.dirs, ...made.dirs])];
  writeFileSync(runFile(run.id), JSON.stringify(run, null, 2));
}

/**
 * At exit, after the other exit hooks stopped what they knew of: whatever else carries this run's
 * mark (a CLI the demo started, a relay) goes too; with nothing left, --cleanup has nothing to do.
 */
export function endRunWhenEmpty(run: DemoRun): void {
  for (let i = 0; i < 10 && markedProcesses(run.id).length; i++) sleep(100);
  for (const p of markedProcesses(run.id)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 30 && markedProcesses(run.id).length; i++) sleep(100);
  if (!markedProcesses(run.id).length) endRun(run);
}

/** After a clean exit: nothing is left for --cleanup. */
export function endRun(run: DemoRun, dir = runDir()): void {
  rmSync(runFile(run.id, dir), { force: true });
}

export function listRuns(dir = runDir()): DemoRun[] {
  if (!existsSync(dir)) return [];
  const out: DemoRun[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    try {
      out.push(JSON.parse(readFileSync(join(dir, f), 'utf8')) as DemoRun);
    } catch {
      // a run file cut by a crash while being written: its processes are still found by their mark
      const id = f.slice(0, -'.json'.length);
      const pid = Number(id.split('-')[0]);
      if (Number.isInteger(pid) && pid > 0) out.push({ id, pid, startTicks: -1, namespaces: [], dirs: [] });
    }
  }
  return out;
}

export const demoAlive = (run: DemoRun) => {
  const p = procInfo(run.pid);
  return p !== undefined && p.startTicks === run.startTicks;
};

/** Processes whose environment carries this run's mark. */
export function markedProcesses(id: string): number[] {
  const mark = `${RUN_ENV}=${id}`;
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    // a zombie holds nothing any more (no sockets, files or namespace); its parent reaps it
    if (!/^\d+$/.test(d) || Number(d) === process.pid || !procInfo(Number(d))) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'latin1').split('\0').includes(mark)) out.push(Number(d));
    } catch {
      // gone, or a kernel thread
    }
  }
  return out;
}

const TEMP_DIR = new RegExp(`^${tmpdir().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/fleetnet-(fleet|ovs|nats|bridge)-[A-Za-z0-9]{6}`);

/** The demo's temporary directories named on a process's command line (--state-dir, -sd, --pidfile, sockets). */
function dirsInCmdline(pid: number): string[] {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.flatMap((a) => a.split('=')).map((a) => TEMP_DIR.exec(a)?.[0]).filter((x): x is string => !!x);
  } catch {
    return [];
  }
}

/** Namespaces created by the demo process: test/support/netns.ts puts its pid in base 36 in the name. */
function namespacesOf(run: DemoRun): string[] {
  let list: string[] = [];
  try {
    list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
  } catch {
    return run.namespaces;
  }
  const byName = new RegExp(`^fn-[a-z0-9]+-${run.pid.toString(36)}[0-9a-f]{6}$`);
  return list.filter((n) => byName.test(n) || run.namespaces.includes(n));
}

/** Synchronous, so that the same removal also runs from an exit hook. */
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export interface CleanupReport {
  run: string;
  processes: number[];
  namespaces: string[];
  dirs: string[];
}

/** Removes what one dead run left: processes first (they hold the namespaces and dirs), then namespaces, then dirs. */
export function cleanupRun(run: DemoRun, dir = runDir()): CleanupReport {
  const pids = markedProcesses(run.id);
  const dirs = new Set(run.dirs);
  for (const p of pids) for (const d of dirsInCmdline(p)) dirs.add(d);
  const signal = (sig: NodeJS.Signals) => {
    for (const p of pids) {
      try {
        process.kill(p, sig);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  for (let i = 0; i < 30 && markedProcesses(run.id).length; i++) sleep(100);
  signal('SIGKILL');
  for (let i = 0; i < 30 && markedProcesses(run.id).length; i++) sleep(100);
  const namespaces = namespacesOf(run);
  for (const ns of namespaces) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  endRun(run, dir);
  return { run: run.id, processes: pids, namespaces, dirs: [...dirs] };
}

/** `pnpm demo --cleanup`: every recorded run whose demo process is gone. */
export function cleanupDeadRuns(say: (line: string) => void): CleanupReport[] {
  const out: CleanupReport[] = [];
  for (const run of listRuns()) {
    if (demoAlive(run)) {
      say(`run ${run.id}: the demo (pid ${run.pid}) is still running; stop it with Ctrl-C or SIGTERM`);
      continue;
    }
    const r = cleanupRun(run);
    say(`run ${run.id}: stopped ${r.processes.length} processes, removed ${r.namespaces.length} namespaces and ${r.dirs.length} directories`);
    out.push(r);
  }
  if (!out.length) say(`nothing to clean up in ${runDir()}`);
  return out;
}
