import { JetStreamApiError } from '@nats-io/jetstream';
import { encodeEvent, EventTypes, freeAddresses, makeEvent, poolRange, Streams, subjects } from '@fleetnet/contracts';
import type { Bus } from './bus.ts';
import type { PoolBase } from './projection/state.ts';

const WRONG_LAST_SEQUENCE = 10071;
/** hosts per allocation record: 500 entries of ~50 bytes stay far below any max_payload */
const CHUNK = 500;

/** Another controller wrote on the pool's subject first: fold up to `seq` and decide again. */
export class AllocationRace extends Error {
  constructor(readonly pool: string, readonly seq: number) {
    super(`${subjects.alloc(pool)}: another writer got there first (now at ${Streams.intent} seq ${seq})`);
  }
}

export interface AllocationPlan {
  allocations: { host: string; address: string }[];
  /** hosts the pool has no address left for */
  exhausted: string[];
}

/** The lowest free addresses for hosts that have none yet, in host order (pure). */
export function planAllocations(pool: PoolBase, hosts: readonly string[]): AllocationPlan {
  const r = poolRange(pool.pool);
  const want = [...new Set(hosts)].filter((h) => !pool.allocations[h]).sort();
  if (!r.ok || pool.deleted) return { allocations: [], exhausted: want };
  const taken = new Set(Object.values(pool.allocations).map((a) => a.address));
  const free = freeAddresses(r.range, taken, want.length);
  return { allocations: free.map((address, i) => ({ host: want[i]!, address })), exhausted: want.slice(free.length) };
}

/**
 * Writes allocation records on fleetnet.alloc.<pool>, each expecting the subject's last sequence
 * (the pool's head as folded, then our own previous record): two controllers racing can never
 * both write on the same head, so no address is given twice. Returns the last sequence written.
 */
export async function writeAllocations(bus: Bus, source: string, pool: PoolBase, allocations: AllocationPlan['allocations']): Promise<number> {
  let head = pool.allocSeq;
  const subject = subjects.alloc(pool.name);
  for (let i = 0; i < allocations.length; i += CHUNK) {
    const ev = makeEvent(EventTypes.poolAllocated, source, subject, { pool: pool.name, allocations: allocations.slice(i, i + CHUNK) });
    head = await guardedPublish(bus, pool.name, subject, encodeEvent(ev), ev.id, head);
  }
  return head;
}

/** Gives addresses back (retired or deselected hosts). */
export async function writeRelease(bus: Bus, source: string, pool: PoolBase, hosts: string[], reason: string): Promise<number> {
  let head = pool.allocSeq;
  const subject = subjects.alloc(pool.name);
  for (let i = 0; i < hosts.length; i += CHUNK) {
    const ev = makeEvent(EventTypes.poolReleased, source, subject, { pool: pool.name, hosts: hosts.slice(i, i + CHUNK), reason });
    head = await guardedPublish(bus, pool.name, subject, encodeEvent(ev), ev.id, head);
  }
  return head;
}

async function guardedPublish(bus: Bus, pool: string, subject: string, data: Uint8Array, id: string, head: number): Promise<number> {
  try {
    const ack = await bus.js.publish(subject, data, { msgID: id, expect: { lastSubjectSequence: head } });
    return ack.seq;
  } catch (e) {
    if (!(e instanceof JetStreamApiError) || e.code !== WRONG_LAST_SEQUENCE) throw e;
    const m = await bus.jsm.streams.getMessage(Streams.intent, { last_by_subj: subject }).catch(() => null);
    throw new AllocationRace(pool, m?.seq ?? head);
  }
}
