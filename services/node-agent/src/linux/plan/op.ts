import type { Operation, Stage } from '../../backend.ts';

export type LinuxOp = Extract<Operation, { backend: 'linux' }>;

/** One line of `bridge -batch -` (a Linux bridge port's VLANs). */
export const bridgeOp = (stage: Stage, target: string, line: string): LinuxOp => ({
  backend: 'linux', stage, target, line, tool: 'bridge', description: `bridge ${line}`,
});

/** One line of `ip -batch -`. */
export const op = (stage: Stage, target: string, line: string): LinuxOp => ({
  backend: 'linux', stage, target, line, description: `ip ${line}`,
});
