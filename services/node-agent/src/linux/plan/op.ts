import type { Operation, Stage } from '../../backend.ts';

export type LinuxOp = Extract<Operation, { backend: 'linux' }>;

/** One line of `ip -batch -`. */
export const op = (stage: Stage, target: string, line: string): LinuxOp => ({
  backend: 'linux', stage, target, line, description: `ip ${line}`,
});
