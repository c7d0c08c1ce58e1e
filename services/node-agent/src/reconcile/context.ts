import type { NetworkState } from '@fleetnet/contracts';
import type { PlanContext } from '../backend.ts';
import type { Capabilities } from '../linux/capabilities.ts';
import type { ReadResult } from '../read.ts';
import type { Logger } from '../log.ts';
import { CREATED_FILE, readJsonOrSetAside, type StateDir } from '../state-dir.ts';

/** What planning needs besides the two states: what fleetnet created, what the kernel has and cannot make. */
export async function planContext(
  stateDir: StateDir, capabilities: Capabilities | undefined, desired: NetworkState, actual: ReadResult, log: Logger,
): Promise<PlanContext> {
  // unreadable (a torn write): set aside and read as empty, so fleetnet forgets what it created (and
  // so never removes it) rather than failing every apply from now on
  const created = new Set(readJsonOrSetAside<string[]>(stateDir, CREATED_FILE, log) ?? []);
  const actualTypes = new Map((actual.state.interfaces ?? []).map((i) => [i.name, i.type]));
  const toCreate = (desired.interfaces ?? [])
    .filter((i) => i.state !== 'absent' && i.type && actualTypes.get(i.name) !== i.type)
    .map((i) => i.type!);
  const unsupportedTypes = capabilities ? await capabilities.unsupported(toCreate) : {};
  return { created, kernelInterfaces: actual.kernelInterfaces, unsupportedTypes };
}
