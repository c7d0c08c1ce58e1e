import type { Runner } from '../exec.ts';
import type { Probe } from './probe.ts';
import { socketCheck } from './socket-check.ts';

export function tcpProbe(run: Runner, host: string, port: number): Probe {
  return {
    name: `tcp ${host}:${port}`,
    check: (timeoutMs) => socketCheck(run, 'tcp', host, port, timeoutMs),
  };
}
