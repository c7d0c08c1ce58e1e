import type { Bus } from '../bus.ts';
import { Projector } from './projector.ts';
import { lastSeqs, replayStream } from './replay.ts';
import type { Projection, StreamKey } from './state.ts';

/**
 * The projection from nothing but the streams: desired first (so a sync can be checked against
 * the versions really published), then intent, then reports, each up to the given sequence
 * (default: everything). Folding is order-insensitive across streams, so this equals the live fold.
 */
export async function rebuildFromStreams(bus: Bus, upTo?: Record<StreamKey, number>): Promise<Projection> {
  const until = upTo ?? (await lastSeqs(bus));
  const p = new Projector();
  for (const key of ['desired', 'intent', 'reports'] as const) {
    await replayStream(bus, key, until[key], (m) => p.apply(m));
  }
  p.flush();
  return p.state;
}
