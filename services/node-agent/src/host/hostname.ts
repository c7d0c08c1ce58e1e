import { readFile } from 'node:fs/promises';
import { hostname as kernelHostname } from 'node:os';
import type { NetworkState } from '@fleetnet/contracts';
import type { HostOp } from './op.ts';

/**
 * The hostname, nmstate's two of them: `running` is the kernel's (of the UTS namespace the agent runs
 * in), `config` the static hostname file ("" when there is none).
 */
export async function readHostname(file: string): Promise<NonNullable<NetworkState['hostname']>> {
  const config = await readFile(file, 'utf8').then(
    (t) => t.split('\n')[0]!.trim(),
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      throw new Error(`cannot read ${file}: ${e.message}`);
    },
  );
  return { running: kernelHostname(), config };
}

/** Pure: what to change so that the hostnames the desired state names hold. */
export function planHostname(desired: NetworkState, actual: NetworkState, file: string): HostOp[] {
  const want = desired.hostname;
  const have = actual.hostname ?? {};
  const ops: HostOp[] = [];
  if (want?.config !== undefined && want.config !== (have.config ?? '')) {
    ops.push(want.config === ''
      ? { backend: 'host', stage: 'dns', target: file, description: `remove ${file} (no static hostname)`, path: file, content: null }
      : { backend: 'host', stage: 'dns', target: file, description: `write ${file}: ${want.config}`, path: file, content: `${want.config}\n` });
  }
  if (want?.running !== undefined && want.running !== have.running) {
    ops.push({ backend: 'host', stage: 'dns', target: 'hostname', description: `hostname ${want.running}`, argv: ['hostname', want.running] });
  }
  return ops;
}
