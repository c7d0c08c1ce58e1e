import type { Runner } from '../exec.ts';
import type { Probe } from './probe.ts';

/** One echo request, out of a given interface when named (`ping -I`), as the gateway check. */
export function pingProbe(run: Runner, address: string, iface?: string): Probe {
  return {
    name: `ping ${address}${iface ? ` dev ${iface}` : ''}`,
    async check(timeoutMs) {
      const wait = Math.max(1, Math.ceil(timeoutMs / 1000));
      const args = ['-n', '-c', '1', '-W', String(wait), ...(iface ? ['-I', iface] : []), address];
      const r = await run('ping', args, { timeoutMs: timeoutMs + 2000 });
      return r.exitCode === 0 ? { ok: true } : { ok: false, message: (r.stderr.trim() || r.stdout.trim().split('\n').pop() || `exit ${r.exitCode}`) };
    },
  };
}
