import type { Operation } from '../backend.ts';

export type HostOp = Extract<Operation, { backend: 'host' }>;
