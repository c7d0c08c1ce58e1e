import { Streams } from '@fleetnet/contracts';
import type { Bus } from '../bus.ts';
import type { StreamKey } from './state.ts';
import type { FoldInput } from './fold.ts';

export const STREAM_OF: Record<StreamKey, string> = {
  intent: Streams.intent,
  desired: Streams.desired,
  reports: Streams.reports,
};

/** Every message of one stream from the start up to `upTo` (inclusive), in order. */
export async function replayStream(bus: Bus, key: StreamKey, upTo: number, each: (m: FoldInput) => void): Promise<void> {
  if (upTo <= 0) return;
  const c = await bus.js.consumers.get(STREAM_OF[key]);
  const iter = await c.consume({ max_messages: 1000 });
  try {
    for await (const m of iter) {
      if (m.seq > upTo) break;
      each({ stream: key, seq: m.seq, subject: m.subject, data: m.data, storedMs: Math.floor(m.info.timestampNanos / 1e6) });
      if (m.seq >= upTo) break;
    }
  } finally {
    await iter.close().catch(() => undefined);
  }
}

export async function lastSeqs(bus: Bus): Promise<Record<StreamKey, number>> {
  const out = { intent: 0, desired: 0, reports: 0 };
  for (const k of Object.keys(out) as StreamKey[]) out[k] = (await bus.jsm.streams.info(STREAM_OF[k])).state.last_seq;
  return out;
}
