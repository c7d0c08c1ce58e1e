import type { Operation } from '../../backend.ts';

export type OvsOp = Extract<Operation, { backend: 'ovs' }>;

/** One ovs-vsctl command; all of a plan's commands run as one transaction. */
export const op = (target: string, description: string, args: string[]): OvsOp =>
  ({ backend: 'ovs', stage: 'ovs', target, description, args });
