import type { Runner } from '../exec.ts';
import type { Probe } from './probe.ts';
import { socketCheck } from './socket-check.ts';

/** The server answers a query over UDP (any answer, even NXDOMAIN: the server is reachable and alive). */
export function dnsProbe(run: Runner, server: string, name = '.', port = 53): Probe {
  return {
    name: `dns ${server}${port !== 53 ? `:${port}` : ''} ${name}`,
    check: (timeoutMs) => socketCheck(run, 'dns', server, port, timeoutMs, name),
  };
}
