import type { Comparison, NetworkState } from '@fleetnet/contracts';
import { compare } from '@fleetnet/contracts';
import type { ReadResult } from '../read.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Re-reads until the state matches (the kernel settles addresses and carrier asynchronously). */
export async function verify(read: () => Promise<ReadResult>, desired: NetworkState, attempts = 10): Promise<{ comparison: Comparison; state: ReadResult }> {
  let last!: { comparison: Comparison; state: ReadResult };
  for (let i = 0; i < attempts; i++) {
    const state = await read();
    last = { comparison: compare(desired, state.state), state };
    if (last.comparison.inSync) return last;
    await sleep(200 + i * 100);
  }
  return last;
}

/** Why a verified state is not the desired one, for the apply's error. */
export const notInSync = (c: Comparison) =>
  `not in sync after apply: ${c.results.filter((r) => !r.inSync).map((r) => `${r.path} expected ${JSON.stringify(r.expected)}, actual ${JSON.stringify(r.actual)}`).join('; ')}`;
