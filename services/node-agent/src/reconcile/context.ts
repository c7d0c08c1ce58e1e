import type { NetworkState } from '@fleetnet/contracts';
import type { PlanContext } from '../backend.ts';
import type { Capabilities } from '../linux/capabilities.ts';
import type { ReadResult } from '../read.ts';
import { CREATED_FILE, type StateDir } from '../state-dir.ts';

/** What planning needs besides the two states: what fleetnet created, what the kernel has and cannot make. */
export async function planContext(stateDir: StateDir, capabilities: Capabilities | undefined, desired: NetworkState, actual: ReadResult): Promise<PlanContext> {
  const created = new Set(stateDir.readJson<string[]>(CREATED_FILE) ?? []);
  const actualTypes = new Map((actual.state.interfaces ?? []).map((i) => [i.name, i.type]));
  const toCreate = (desired.interfaces ?? [])
    .filter((i) => i.state !== 'absent' && i.type && actualTypes.get(i.name) !== i.type)
    .map((i) => i.type!);
  const unsupportedTypes = capabilities ? await capabilities.unsupported(toCreate) : {};
  return { created, kernelInterfaces: actual.kernelInterfaces, unsupportedTypes };
}
