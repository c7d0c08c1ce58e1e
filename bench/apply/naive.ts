import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Method, RunContext } from './method.ts';
import { tail, timeProcess } from './proc.ts';
import type { Scenario } from './scenario.ts';

/**
 * The `ip` operations a hand-written script would run for the scenario, one per line, each run as its
 * own `ip` process.
 */
export function naiveOperations(s: Scenario): string[] {
  const ops = [`link add ${s.bridge} type bridge stp_state 0`, `link set ${s.bridge} mtu ${s.mtu}`];
  for (const p of s.ports) {
    ops.push(
      `link add ${p.name} type veth peer name ${p.peer}`,
      `link set ${p.name} mtu ${s.mtu}`,
      `link set ${p.peer} mtu ${s.mtu}`,
      `link set ${p.name} master ${s.bridge}`,
      `link set ${p.name} up`,
      `link set ${p.peer} up`,
      ...p.addresses.map((a) => `addr add ${a} dev ${p.peer}`),
      `route add ${p.route.destination} via ${p.route.gateway} dev ${p.peer}`,
    );
  }
  ops.push(`link set ${s.bridge} up`);
  return ops;
}

/** How each `ip` process enters the namespace. */
export type NsEntry = 'ip -n' | 'ip netns exec';

/** The script: `sh -e naive.sh NS`, one `ip` process per operation. */
export function naiveScript(s: Scenario, entry: NsEntry = 'ip -n'): string {
  const prefix = entry === 'ip -n' ? 'ip -n "$1"' : 'ip netns exec "$1" ip';
  return ['#!/bin/sh', 'set -e', ...naiveOperations(s).map((o) => `${prefix} ${o}`), ''].join('\n');
}

function naiveMethod(id: string, entry: NsEntry, label: string, timed: string): Method {
  return {
    id,
    label,
    timed,
    async run(ctx: RunContext) {
      const file = join(ctx.dir, `${id}.sh`);
      writeFileSync(file, naiveScript(ctx.scenario, entry), { mode: 0o755 });
      const r = await timeProcess(['sh', '-e', file, ctx.ns], { timeoutMs: 300_000 });
      if (r.code !== 0) throw new Error(`${id} script exited ${r.code ?? r.signal ?? r.spawnError}:\n${tail(r.stderr)}`);
      return { ms: r.ms, breakdown: { processes: naiveOperations(ctx.scenario).length } };
    },
  };
}

/** The goal's comparison: `ip -n NS` per operation, the cheapest way for a script to reach a namespace. */
export const naive = naiveMethod(
  'naive', 'ip -n', 'naive script (1 ip -n per op)',
  'sh -e naive.sh NS: one `ip -n NS …` process per operation (3 + 9·K processes), no checks',
);

/**
 * The same script entering the namespace the way the agent does in this bench (`ip netns exec NS ip …`,
 * which the agent's runner uses for every command when driving a namespace): like for like on process
 * start-up cost. For information; the goal is checked against the cheaper `ip -n` script.
 */
export const naiveNetnsExec = naiveMethod(
  'naive-netns-exec', 'ip netns exec', 'naive script (1 ip netns exec per op)',
  'sh -e naive.sh NS: one `ip netns exec NS ip …` process per operation (3 + 9·K processes), no checks',
);
