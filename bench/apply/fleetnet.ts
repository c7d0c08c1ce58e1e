import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAgent, silentLogger, type Agent } from '@fleetnet/node-agent';
import type { Method, RunContext } from './method.ts';
import { tail, timeProcess } from './proc.ts';
import { desiredState } from './scenario.ts';

import { buildAll, distDir, root } from '../../scripts/build.ts';

/** The built agent, as the packages ship it (bundled by scripts/build.ts before the first timed run). */
export const AGENT_BIN = join(distDir, 'fleetnet-agent.cjs');
let built: Promise<unknown> | undefined;

/** The agent's private files for one run: state dir, an empty sysfs root, its own resolv.conf. */
function agentDirs(dir: string, tag: string) {
  const stateDir = join(dir, `${tag}-state`);
  const sysfsRoot = join(dir, `${tag}-sys`);
  const resolvConf = join(dir, `${tag}-resolv.conf`);
  mkdirSync(sysfsRoot, { recursive: true });
  // The scenario names no DNS: the agent only reads this file. It is ours anyway, never /etc/resolv.conf.
  writeFileSync(resolvConf, 'nameserver 127.0.0.1\n');
  return { stateDir, sysfsRoot, resolvConf };
}

/** An in-process agent driving `ns` (iproute2 with `-n NS`, other commands under `ip netns exec NS`), silent, without OVS. */
export function benchAgent(ns: string, dir: string, tag = 'agent'): Agent {
  const d = agentDirs(dir, tag);
  return createAgent({ ...d, netns: ns, log: silentLogger(), ovs: false });
}

/** The agent core as a library: `agent.apply(desired)` (read, plan, checkpoint, ip -batch, verify; no probes apply). */
export const fleetnetLibrary: Method = {
  id: 'fleetnet',
  label: 'fleetnet agent (library)',
  timed: 'agent.apply(desired, { probes: { gateway: false } }) in-process: read, plan, checkpoint, ip -batch per stage, verify by re-read, commit',
  async run(ctx: RunContext) {
    const agent = benchAgent(ctx.ns, ctx.dir);
    const desired = desiredState(ctx.scenario);
    const t0 = performance.now();
    const r = await agent.apply(desired, { probes: { gateway: false, bus: false } });
    const ms = performance.now() - t0;
    if (r.phase !== 'Applied' || !r.comparison.inSync) {
      throw new Error(`fleetnet apply ended ${r.phase}: ${r.error?.message ?? 'not in sync'}`);
    }
    const t = r.timings;
    const breakdown: Record<string, number> = {};
    for (const [k, v] of Object.entries(t)) if (typeof v === 'number') breakdown[k] = v;
    // What the agent's phase timings do not cover: checkpoint write, commit (created/last-good files), lock.
    breakdown.otherMs = Math.max(0, (t.totalMs ?? 0) - ['readMs', 'planMs', 'probeMs', 'applyMs', 'verifyMs'].reduce((a, k) => a + (breakdown[k] ?? 0), 0));
    breakdown.operations = r.operations.length;
    return { ms, breakdown };
  },
};

/** What an operator sees: `ip netns exec NS fleetnet-agent apply -f state.yaml` (the built bundle), process start included. */
export const fleetnetCli: Method = {
  id: 'fleetnet-cli',
  label: 'fleetnet-agent apply (CLI process)',
  timed: 'ip netns exec NS node dist/fleetnet-agent.cjs apply -f state.yaml (the built agent): whole process incl. Node start-up',
  async run(ctx: RunContext) {
    await (built ??= buildAll());
    const d = agentDirs(ctx.dir, 'cli');
    const file = join(ctx.dir, 'state.yaml');
    // JSON is YAML: the agent's loader reads it as it would the operator's file.
    writeFileSync(file, JSON.stringify(desiredState(ctx.scenario), null, 2) + '\n');
    const argv = [
      'ip', 'netns', 'exec', ctx.ns, process.execPath, AGENT_BIN,
      '--state-dir', d.stateDir, '--sysfs-root', d.sysfsRoot, '--resolv-conf', d.resolvConf,
      'apply', '-f', file,
    ];
    const r = await timeProcess(argv, { timeoutMs: 120_000 });
    if (r.code !== 0) {
      throw new Error(`fleetnet-agent apply exited ${r.code ?? r.signal ?? r.spawnError}:\n${tail(r.stdout + '\n' + r.stderr, 15)}`);
    }
    return { ms: r.ms };
  },
};

/** The single executable of the packages (`pnpm package`), started under the name the agent package installs. */
const SEA = join(distDir, 'sea', 'fleetnet');
/** Its code cache: the bench's own folder, never the machine's /var/cache/fleetnet (the bench runs as root). */
const SEA_CODE_CACHE = join(root, 'bench', '.cache', 'code-cache');

/** `/usr/bin/fleetnet-agent apply` as the packages install it, for information: only when `pnpm package` made one. */
export const fleetnetPackaged: Method = {
  id: 'fleetnet-packaged',
  label: 'packaged fleetnet-agent apply',
  timed: 'ip netns exec NS dist/sea/fleetnet (as fleetnet-agent) apply -f state.yaml: the single executable the packages install',
  prepare: async () => (existsSync(SEA) ? undefined : 'dist/sea/fleetnet is missing: run pnpm package first'),
  async run(ctx: RunContext) {
    const d = agentDirs(ctx.dir, 'sea');
    const file = join(ctx.dir, 'state.yaml');
    writeFileSync(file, JSON.stringify(desiredState(ctx.scenario), null, 2) + '\n');
    // the multi-call program runs the binary it was started as
    const bin = join(ctx.dir, 'fleetnet-agent');
    symlinkSync(SEA, bin);
    const argv = ['ip', 'netns', 'exec', ctx.ns, bin, '--state-dir', d.stateDir, '--sysfs-root', d.sysfsRoot, '--resolv-conf', d.resolvConf, 'apply', '-f', file];
    const r = await timeProcess(argv, { timeoutMs: 120_000, env: { ...process.env, FLEETNET_CODE_CACHE_DIR: SEA_CODE_CACHE } });
    if (r.code !== 0) {
      throw new Error(`packaged fleetnet-agent apply exited ${r.code ?? r.signal ?? r.spawnError}:\n${tail(r.stdout + '\n' + r.stderr, 15)}`);
    }
    return { ms: r.ms };
  },
};
