import { Kvm, type KV } from '@nats-io/kv';
import { RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { KvBuckets, Streams, StreamSubjects } from '@fleetnet/contracts';
import type { Bus } from './bus.ts';

/** The configuration fleetnet wants for each stream; everything not named keeps the server default. */
export function streamConfigs(replicas: number): Partial<StreamConfig>[] {
  return [
    { name: Streams.intent, subjects: [...StreamSubjects[Streams.intent]], num_replicas: replicas },
    // Agents read their last desired version with DIRECT.GET (a subject permission), never a consumer.
    { name: Streams.desired, subjects: [...StreamSubjects[Streams.desired]], num_replicas: replicas, allow_direct: true },
    { name: Streams.reports, subjects: [...StreamSubjects[Streams.reports]], num_replicas: replicas },
  ].map((c) => ({ ...c, storage: StorageType.File, retention: RetentionPolicy.Limits }));
}

const differs = (want: Partial<StreamConfig>, have: StreamConfig) =>
  (Object.keys(want) as (keyof StreamConfig)[]).some((k) => JSON.stringify(want[k]) !== JSON.stringify(have[k]));

/**
 * Creates or updates the streams: a second controller, or a restart, finds them as wanted and
 * changes nothing. Returns which streams were created or updated.
 */
export async function ensureStreams(bus: Bus, replicas: number): Promise<{ created: string[]; updated: string[] }> {
  const created: string[] = [];
  const updated: string[] = [];
  for (const want of streamConfigs(replicas)) {
    let info = await bus.jsm.streams.info(want.name!).catch(() => undefined);
    if (!info) {
      try {
        await bus.jsm.streams.add({ ...want, name: want.name! });
        created.push(want.name!);
        continue;
      } catch (e) {
        // Another controller created it between our look and our add: fall through to compare.
        info = await bus.jsm.streams.info(want.name!);
        if (!info) throw e;
      }
    }
    // Replicas cannot be changed on a 2.9 single server; we never downgrade a stream silently either.
    const { num_replicas: _r, storage: _s, ...mutable } = want;
    if (differs(mutable, info.config)) {
      await bus.jsm.streams.update(want.name!, { ...info.config, ...mutable });
      updated.push(want.name!);
    }
  }
  return { created, updated };
}

export type Buckets = Record<keyof typeof KvBuckets, KV>;

export async function ensureBuckets(bus: Bus, replicas: number): Promise<Buckets> {
  const kvm = new Kvm(bus.js);
  const out = {} as Buckets;
  for (const [key, name] of Object.entries(KvBuckets) as [keyof typeof KvBuckets, string][]) {
    out[key] = await kvm.create(name, { replicas, history: 1 }).catch(() => kvm.open(name));
  }
  return out;
}
